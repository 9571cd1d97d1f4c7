/**
 * The statistics a standardised input is fitted with, on the training rows where it is defined:
 * mean, population standard deviation (1 for a constant, so nothing divides by zero) and the
 * median that imputes a missing value. Numeric features and a date's derived inputs share it.
 */
export function standardisation(values: number[]): { mean: number; std: number; impute: number } {
  if (values.length === 0) return { mean: 0, std: 1, impute: 0 };
  let mean = 0;
  for (const value of values) mean += value;
  mean /= values.length;
  let sumSquares = 0;
  for (const value of values) sumSquares += (value - mean) ** 2;
  const std = Math.sqrt(sumSquares / values.length);
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  const median = values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
  return { mean, std: std > 1e-12 ? std : 1, impute: median };
}
