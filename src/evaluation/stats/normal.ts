/**
 * The standard normal distribution, to the precision of R's `pnorm` and `qnorm`, which use the
 * same published algorithms: W. J. Cody's rational Chebyshev approximations of the error function
 * (Math. Comp. 1969; R's pnorm.c) and M. J. Wichura's AS 241 (Applied Statistics 1988; R's qnorm.c).
 * Tail probabilities keep their relative accuracy far out (Φ(−30) ≈ 4.9e−198), so a p-value is
 * never rounded to 0 by computing 1 − Φ(z).
 */

const sqrt32 = Math.sqrt(32);
const oneOverSqrt2Pi = 1 / Math.sqrt(2 * Math.PI);

const cdfSmallNumerator = [2.2352520354606837, 161.02823106855587, 1067.6894854603709, 18154.98125334356, 0.06568233791820745];
const cdfSmallDenominator = [47.202581904688245, 976.0985517377767, 10260.932208618979, 45507.78933502673];
const cdfMiddleNumerator = [
  0.39894151208813466, 8.883149794388377, 93.50665613217785, 597.2702763948002, 2494.5375852903726,
  6848.190450536283, 11602.65143764735, 9842.714838383978, 1.0765576773720192e-8,
];
const cdfMiddleDenominator = [
  22.266688044328117, 235.387901782625, 1519.3775994075547, 6485.558298266761, 18615.571640885097,
  34900.95272114598, 38912.00328609327, 19685.429676859992,
];
const cdfLargeNumerator = [0.215898534057957, 0.12740116116024736, 0.022235277870649807, 0.0014216191932278934, 0.000029112874951168793, 0.023073441764940174];
const cdfLargeDenominator = [1.284260096144911, 0.4682382124808651, 0.06598813786892856, 0.0037823963320275824, 0.00007297515550839662];

// Wichura's AS 241 coefficients, highest power first.
const quantileCentralNumerator = [2509.0809287301227, 33430.57558358813, 67265.7709270087, 45921.95393154987, 13731.69376550946, 1971.5909503065513, 133.14166789178438, 3.3871328727963665];
const quantileCentralDenominator = [5226.495278852546, 28729.085735721943, 39307.89580009271, 21213.794301586597, 5394.196021424751, 687.1870074920579, 42.31333070160091, 1];
const quantileNearNumerator = [0.0007745450142783414, 0.022723844989269184, 0.2417807251774506, 1.2704582524523684, 3.6478483247632045, 5.769497221460691, 4.630337846156546, 1.4234371107496835];
const quantileNearDenominator = [1.0507500716444169e-9, 0.0005475938084995345, 0.015198666563616457, 0.14810397642748008, 0.6897673349851, 1.6763848301838038, 2.053191626637759, 1];
const quantileFarNumerator = [2.0103343992922881e-7, 0.000027115555687434876, 0.0012426609473880784, 0.026532189526576124, 0.29656057182850487, 1.7848265399172913, 5.463784911164114, 6.657904643501103];
const quantileFarDenominator = [2.0442631033899397e-15, 1.421511758316446e-7, 0.000018463183175100548, 0.0007868691311456133, 0.014875361290850615, 0.1369298809227358, 0.599832206555888, 1];

/** exp(−x²/2) · factor, with x² split so that the exponent loses no digits (Cody's "do_del"). */
function gaussianTail(x: number, factor: number): number {
  const head = Math.trunc(x * 16) / 16;
  const rest = (x - head) * (x + head);
  return Math.exp(-head * head * 0.5) * Math.exp(-rest * 0.5) * factor;
}

/**
 * Φ(x) = P(Z ≤ x) for a standard normal Z, like R's `pnorm(x)`. Accurate to about 1e−15 relative
 * in both tails; NaN for NaN; 0 and 1 at ∓∞.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  if (y <= 0.67448975) {
    let numerator = 0;
    let denominator = 0;
    if (y > 1.1102230246251565e-16) {
      const xsq = x * x;
      numerator = cdfSmallNumerator[4]! * xsq;
      denominator = xsq;
      for (let i = 0; i < 3; i++) {
        numerator = (numerator + cdfSmallNumerator[i]!) * xsq;
        denominator = (denominator + cdfSmallDenominator[i]!) * xsq;
      }
    }
    return 0.5 + (x * (numerator + cdfSmallNumerator[3]!)) / (denominator + cdfSmallDenominator[3]!);
  }
  let lowerTailOfMinusY: number;
  if (y <= sqrt32) {
    let numerator = cdfMiddleNumerator[8]! * y;
    let denominator = y;
    for (let i = 0; i < 7; i++) {
      numerator = (numerator + cdfMiddleNumerator[i]!) * y;
      denominator = (denominator + cdfMiddleDenominator[i]!) * y;
    }
    lowerTailOfMinusY = gaussianTail(y, (numerator + cdfMiddleNumerator[7]!) / (denominator + cdfMiddleDenominator[7]!));
  } else if (y < 37.5193) {
    const xsq = 1 / (x * x);
    let numerator = cdfLargeNumerator[5]! * xsq;
    let denominator = xsq;
    for (let i = 0; i < 4; i++) {
      numerator = (numerator + cdfLargeNumerator[i]!) * xsq;
      denominator = (denominator + cdfLargeDenominator[i]!) * xsq;
    }
    const factor = (oneOverSqrt2Pi - (xsq * (numerator + cdfLargeNumerator[4]!)) / (denominator + cdfLargeDenominator[4]!)) / y;
    lowerTailOfMinusY = gaussianTail(y, factor);
  } else {
    lowerTailOfMinusY = 0;
  }
  return x > 0 ? 1 - lowerTailOfMinusY : lowerTailOfMinusY;
}

/**
 * The standard normal quantile Φ⁻¹(p), like R's `qnorm(p)` (Wichura's AS 241, about 1e−16
 * relative). −∞ at 0, +∞ at 1; throws a RangeError outside [0, 1].
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile needs a probability in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(quantileCentralNumerator, r)) / horner(quantileCentralDenominator, r);
  }
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const value =
    r <= 5
      ? horner(quantileNearNumerator, r - 1.6) / horner(quantileNearDenominator, r - 1.6)
      : horner(quantileFarNumerator, r - 5) / horner(quantileFarDenominator, r - 5);
  return q < 0 ? -value : value;
}

/** c[0]·x^(k−1) + … + c[k−1], evaluated as (((c[0]·x + c[1])·x + …) + c[k−1]). */
function horner(coefficients: readonly number[], x: number): number {
  let value = coefficients[0]!;
  for (let i = 1; i < coefficients.length; i++) value = value * x + coefficients[i]!;
  return value;
}

/** Two-sided p-value of a standard normal statistic, 2·Φ(−|z|) (R: `2 * pnorm(-abs(z))`); 1 for z = 0. */
export function twoSidedNormalPValue(z: number): number {
  return Math.min(1, 2 * normalCdf(-Math.abs(z)));
}
