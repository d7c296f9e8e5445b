// CRC-8 checks for sensor data, bit by bit (no 256-byte table: RAM matters more than speed for a
// few bytes per reading).

/**
 * Sensirion CRC-8 of data[start .. start+len): polynomial 0x31 (x^8+x^5+x^4+1), init 0xFF, MSB first,
 * no final XOR (SHT3x datasheet section 4.12, table 20: 0xBE 0xEF gives 0x92).
 */
export function crc8Sensirion(data: ArrayLike<number>, start: number, len: number): number {
  let crc = 0xff;
  for (let i = start; i < start + len; i++) {
    crc ^= data[i];
    for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/**
 * Dallas/Maxim 1-Wire CRC-8 of data[start .. start+len): polynomial x^8+x^5+x^4+1 taken LSB first
 * (0x8C reflected), init 0, no final XOR (Maxim application note 27). Over a ROM code or scratchpad
 * including its CRC byte the result is 0.
 */
export function crc8Maxim(data: ArrayLike<number>, start: number, len: number): number {
  let crc = 0;
  for (let i = start; i < start + len; i++) {
    crc ^= data[i];
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >> 1) ^ 0x8c : crc >> 1;
  }
  return crc;
}
