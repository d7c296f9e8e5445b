// Named exit codes of the petrel CLI; every command returns one of these.
export const EXIT = Object.freeze({
  OK: 0,
  FAILURE: 1, // the command ran and the thing it checks failed (a test firmware reported failure, a time limit hit)
  USAGE: 2, // bad arguments or options
  CONFIG: 3, // bad board definition or device config
  BUILD: 4, // compile error, Espruino gate violation, over the size budget
  DEVICE: 5, // the board or emulator did not answer, upload not verified
  BROKER: 6, // broker unreachable or refused
});
