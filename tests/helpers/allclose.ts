/** The worst element of a comparison `|a - ref| <= atol + rtol * |ref|`. */
export interface CloseReport {
  ok: boolean;
  maxAbsError: number;
  worstIndex: number;
  /** max over i of |a-ref| / (atol + rtol*|ref|); <= 1 means within tolerance. */
  worstRatio: number;
  count: number;
}

export function compareClose(
  actual: ArrayLike<number>,
  reference: ArrayLike<number>,
  atol: number,
  rtol: number,
): CloseReport {
  if (actual.length !== reference.length) {
    throw new Error(`length ${actual.length} != reference length ${reference.length}`);
  }
  let maxAbsError = 0;
  let worstIndex = -1;
  let worstRatio = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const r = reference[i]!;
    const error = Math.abs(a - r);
    // NaN anywhere is a failure, whatever the tolerance.
    const ratio = Number.isNaN(error) ? Infinity : error / (atol + rtol * Math.abs(r));
    if (ratio > worstRatio || worstIndex < 0) {
      worstRatio = ratio;
      worstIndex = i;
    }
    if (error > maxAbsError || Number.isNaN(error)) maxAbsError = Number.isNaN(error) ? NaN : error;
  }
  return { ok: worstRatio <= 1, maxAbsError, worstIndex, worstRatio, count: actual.length };
}

/** Throws with the max error and the worst index when any element is out of tolerance. */
export function assertClose(
  label: string,
  actual: ArrayLike<number>,
  reference: ArrayLike<number>,
  { atol, rtol }: { atol: number; rtol: number },
): CloseReport {
  const report = compareClose(actual, reference, atol, rtol);
  if (!report.ok) {
    const i = report.worstIndex;
    throw new Error(
      `${label}: ${report.count} values, max |a-b| = ${report.maxAbsError.toExponential(3)}; ` +
        `worst at [${i}]: got ${actual[i]}, expected ${reference[i]} ` +
        `(atol ${atol}, rtol ${rtol}, ratio ${report.worstRatio.toFixed(2)})`,
    );
  }
  return report;
}
