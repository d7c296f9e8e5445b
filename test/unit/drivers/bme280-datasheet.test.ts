// BME280 compensation checked against the datasheets, not against the driver: the worked example of the
// BMP280 datasheet (same temperature/pressure formulas and calibration layout), and the BME280
// datasheet's integer formulas (section 4.2.3, transcribed in the sim) against the driver's
// double-precision ones (section 8.1) over the sensor's range.
import { describe, expect, it } from "vitest";
import { compensate, parseCalibration } from "../../../drivers/bme280/bme280";
import { EXAMPLE_CALIBRATION, humidityInt, pressureInt, tFineInt, temperatureInt } from "../../../drivers/bme280/bme280.sim.js";

// BMP280 datasheet BST-BMP280-DS001 section 3.12, "compensation example": these raw values and
// trimming words give 25.08 °C and 100653.27 Pa.
const ADC_T = 519888;
const ADC_P = 415148;

// Registers 0x88..0xA1 and 0xE1..0xE7 holding `words` (little-endian words, table 16 of the BME280 datasheet).
function registers(words: number[]) {
  const tp = new Uint8Array(26);
  for (let i = 0; i < 12; i++) {
    tp[2 * i] = words[i] & 0xff;
    tp[2 * i + 1] = (words[i] >> 8) & 0xff;
  }
  tp[25] = words[12];
  const [, H2, H3, H4, H5, H6] = words.slice(12);
  const h = new Uint8Array([H2 & 0xff, (H2 >> 8) & 0xff, H3, (H4 >> 4) & 0xff, (H4 & 0xf) | ((H5 & 0xf) << 4), (H5 >> 4) & 0xff, H6 & 0xff]);
  return { tp, h };
}

describe("BME280 compensation (datasheet section 8.1)", () => {
  const cal = Array.from(parseCalibration(registers(EXAMPLE_CALIBRATION).tp, registers(EXAMPLE_CALIBRATION).h));

  it("gives the BMP280 datasheet's worked example: 25.08 °C and 100653.27 Pa", () => {
    const r = compensate(cal, ADC_T, ADC_P, 30000);
    expect(r.temperature).toBeCloseTo(25.08, 2);
    expect(r.pressure * 100).toBeCloseTo(100653.27, 1);
  });

  it("parses signed and unsigned calibration words, including the split 12-bit dig_H4/dig_H5", () => {
    expect(cal).toEqual(EXAMPLE_CALIBRATION);
    const odd = [65535, -32768, 32767, 1, -1, -2, 0, 5, 6, 7, 8, 9, 255, -300, 200, -2048, -1, -128];
    expect(Array.from(parseCalibration(registers(odd).tp, registers(odd).h))).toEqual(odd);
  });

  it("agrees with the datasheet's integer formulas (section 4.2.3) from -40 to 85 °C, 300 to 1100 hPa, 0 to 100 %RH", () => {
    let checked = 0;
    for (let adcT = 380000; adcT <= 640000; adcT += 20000) {
      const fine = tFineInt(cal, adcT);
      for (let adcP = 200000; adcP <= 600000; adcP += 50000) {
        for (let adcH = 20000; adcH <= 45000; adcH += 2500) {
          const r = compensate(cal, adcT, adcP, adcH);
          expect(Math.abs(r.temperature - temperatureInt(fine) / 100)).toBeLessThan(0.006); // int has 0.01 °C steps
          expect(Math.abs(r.pressure * 100 - pressureInt(cal, adcP, fine) / 256)).toBeLessThan(0.1); // Pa; x16 resolution is 0.16 Pa
          expect(Math.abs(r.humidity - humidityInt(cal, adcH, fine) / 1024)).toBeLessThan(0.01); // Q22.10 %RH
          checked++;
        }
      }
    }
    expect(checked).toBe(14 * 9 * 11);
  });

  it("clamps humidity to 0..100 %RH as the datasheet does", () => {
    expect(compensate(cal, ADC_T, ADC_P, 0).humidity).toBe(0);
    expect(compensate(cal, ADC_T, ADC_P, 65535).humidity).toBe(100);
  });
});
