/**
 * The standard normal distribution, to the precision of R's `pnorm` and `qnorm`, which use the
 * same published algorithms: W. J. Cody's rational Chebyshev approximations of the error function
 * (Math. Comp. 1969; R's pnorm.c) and M. J. Wichura's AS 241 (Applied Statistics 1988; R's qnorm.c).
 * Tail probabilities keep their relative accuracy far out (Φ(−30) ≈ 4.9e−198), so a p-value is
 * never rounded to 0 by computing 1 − Φ(z).
 */

const sqrt32 = Math.sqrt(32);
const oneOverSqrt2Pi = 0.398942280401432677939946059934;

const cdfSmallNumerator = [2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249, 0.065682337918207449113];
const cdfSmallDenominator = [47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956];
const cdfMiddleNumerator = [
  0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226, 2494.5375852903726711,
  6848.1904505362823326, 11602.651437647350124, 9842.7148383839780218, 1.0765576773720192317e-8,
];
const cdfMiddleDenominator = [
  22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755, 18615.571640885098091,
  34900.952721145977266, 38912.003286093271411, 19685.429676859990727,
];
const cdfLargeNumerator = [0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466, 2.9112874951168792e-5, 0.02307344176494017303];
const cdfLargeDenominator = [1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244, 7.29751555083966205e-5];

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
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    value =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -value : value;
}

/** Two-sided p-value of a standard normal statistic, 2·Φ(−|z|) (R: `2 * pnorm(-abs(z))`); 1 for z = 0. */
export function twoSidedNormalPValue(z: number): number {
  return Math.min(1, 2 * normalCdf(-Math.abs(z)));
}
