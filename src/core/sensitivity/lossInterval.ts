/**
 * Quick mode's confidence interval for a point's loss, valid however often it is looked at.
 *
 * The loss over all N images is L = (b - m) / b, b the unpruned model's metric and m the
 * pruned one's. With d_i = (unpruned hit on image i) - (pruned hit on image i), in {-1, 0, 1}
 * (the paired differences: +1 where only the unpruned model is right, -1 where only the
 * pruned one is), b - m = mean(d), so L = mean(d) / b: the mean of a finite population of
 * paired differences over an exactly known baseline. Quick mode evaluates the images in a
 * seeded random order, which samples d WITHOUT replacement, and looks at the interval at a
 * fixed schedule of sample sizes n_1 < ... < n_K < N (lookSchedule).
 *
 * The bound, per look k and side: with x_i = (1 + d_i) / 2 in [0, 1], population mean mu,
 *
 *   S_t = prod_{i <= t} exp(lambda_i (x_i - mu_i) - psi(lambda_i) (x_i - m_i)^2),
 *
 * where mu_i = (N mu - sum_{j<i} x_j) / (N - i + 1) is the mean of the images not yet seen
 * (x_i's conditional mean when sampling without replacement), m_i a centre and lambda_i in
 * [0, 1) a bet, both computed from x_1 .. x_{i-1} only, and psi(l) = -log(1 - l) - l. By Fan,
 * Grama and Liu's inequality exp(l e - psi(l) e^2) <= 1 + l e (e >= -1, 0 <= l < 1), applied
 * to e = x_i - m_i, each factor has conditional mean at most 1, so S is a nonnegative
 * supermartingale with S_0 = 1 at the true mu, and P(S_n >= 1/delta) <= delta (Markov).
 * Solving S_n < 1/delta for mu (and the same for 1 - x, the upper side) gives
 *
 *   mu in [(B - V - log(1/delta)) / A, (B + V + log(1/delta)) / A],
 *   A = sum lambda_i N / (N - i + 1),  B = sum lambda_i (x_i + sum_{j<i} x_j / (N - i + 1)),
 *   V = sum psi(lambda_i) (x_i - m_i)^2.
 *
 * This is the empirical-Bernstein bound for sampling without replacement of Waudby-Smith and
 * Ramdas ("Confidence sequences for sampling without replacement", NeurIPS 2020), here at
 * fixed looks: delta = alpha / (2K), a union bound over the K looks and the two sides, makes
 * every look's interval hold at once with probability at least 1 - alpha. So a point may
 * stop at whichever look its rule picks, and the intervals of all its looks so far may be
 * intersected. The weights N / (N - i + 1) shrink the interval as the sample nears the whole
 * set (a finite-population correction); after all N images the loss is known exactly.
 *
 * Each look's bets are tuned for its own sample size n_k: a constant bet l would give the
 * half-width (log(1/delta) + psi(l) n_k s2) / (l n_k) for values of variance s2, which is
 * least where l psi'(l) - psi(l) = log(1/delta) / (n_k s2); lambda_i solves that with s2 the
 * running variance of x_1 .. x_{i-1} (started at 1/4), capped at 3/4. Any predictable choice
 * keeps the bound valid; this one makes the interval about as narrow as a Bernstein bound
 * that knew the variance. (The usual sqrt(2 log(1/delta) / (n_k s2)) takes psi for a
 * parabola and bets too much: 10% wider intervals at the looks that decide most points.)
 */

/** Largest bet: psi grows without bound as a bet nears 1. */
const MAX_BET = 0.75;
/** The running variance starts as one image of variance 1/4, the most an [0, 1] value can have. */
const PRIOR_VARIANCE = 0.25;

function psi(bet: number): number {
  return -Math.log(1 - bet) - bet;
}

/** bet psi'(bet) - psi(bet), increasing on [0, 1): what the best constant bet sets to log(1/delta) / (n s2). */
function excess(bet: number): number {
  return (bet * bet) / (1 - bet) + Math.log(1 - bet) + bet;
}

const BET_STEPS = 1024;
/** excess() on an even grid of bets from 0 to MAX_BET, to invert by search. */
const EXCESS_TABLE = Float64Array.from({ length: BET_STEPS + 1 }, (_, k) => excess((k / BET_STEPS) * MAX_BET));

/** The constant bet that minimises the half-width for `target` = log(1/delta) / (n s2) (to 1/1024 of MAX_BET). */
function bestBet(target: number): number {
  if (!(target < (EXCESS_TABLE[BET_STEPS] as number))) return MAX_BET;
  let lo = 0;
  let hi = BET_STEPS;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((EXCESS_TABLE[mid] as number) < target) lo = mid;
    else hi = mid;
  }
  return (hi / BET_STEPS) * MAX_BET;
}

/**
 * The sample sizes at which a point's interval is looked at: growing by `growth` from
 * `first`, rounded up to whole batches (a look falls at the end of a batch), below `count`.
 * Fixed before any image is seen, as the union bound requires.
 */
export function lookSchedule(count: number, batchSize: number, first = 100, growth = 1.5): number[] {
  const looks: number[] = [];
  for (let target = first; ; target *= growth) {
    const n = Math.ceil(target / batchSize) * batchSize;
    if (n >= count) return looks;
    if (looks.at(-1) !== n) looks.push(n);
  }
}

/** An interval for the mean of the x values over the whole population. */
export interface MeanInterval {
  readonly low: number;
  readonly high: number;
}

/**
 * The running bound: add the population's values in sample order (each in [0, 1]); at each
 * look, `interval()` holds the intersection of every look's interval so far.
 */
export class WithoutReplacementBound {
  private readonly logInvDelta: number;
  private seen = 0;
  private sum = 0;
  private sumSquares = 0;
  /** Per look: sum of lambda * weight, of lambda * (x + past / remaining), of psi(lambda) * v. */
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private readonly v: Float64Array;
  private low = 0;
  private high = 1;

  /** `population` values in all; `looks` ascending and below it; every look's interval holds with probability >= `confidence` together. */
  constructor(
    private readonly population: number,
    private readonly looks: readonly number[],
    confidence: number,
  ) {
    const alpha = 1 - confidence;
    this.logInvDelta = Math.log((2 * Math.max(1, looks.length)) / alpha);
    this.a = new Float64Array(looks.length);
    this.b = new Float64Array(looks.length);
    this.v = new Float64Array(looks.length);
  }

  /** Values added so far. */
  get count(): number {
    return this.seen;
  }

  /** Adds the next value; returns true when this value completes a look (the interval was updated). */
  add(x: number): boolean {
    const i = this.seen + 1;
    const centre = (0.5 + this.sum) / i;
    const variance = (PRIOR_VARIANCE + this.sumSquares) / i;
    const remaining = this.population - i + 1;
    const weight = this.population / remaining;
    const shifted = x + this.sum / remaining;
    const v = (x - centre) ** 2;
    let looked = false;
    for (let k = this.looks.length - 1; k >= 0 && (this.looks[k] as number) >= i; k--) {
      const bet = bestBet(this.logInvDelta / ((this.looks[k] as number) * variance));
      this.a[k] = (this.a[k] as number) + bet * weight;
      this.b[k] = (this.b[k] as number) + bet * shifted;
      this.v[k] = (this.v[k] as number) + psi(bet) * v;
      if (this.looks[k] === i) {
        this.narrow(k);
        looked = true;
      }
    }
    this.seen = i;
    this.sum += x;
    this.sumSquares += v;
    if (i === this.population) {
      // Every value seen: the mean is known.
      this.low = this.high = this.sum / this.population;
      looked = true;
    }
    return looked;
  }

  private narrow(k: number): void {
    const a = this.a[k] as number;
    const b = this.b[k] as number;
    const slack = (this.v[k] as number) + this.logInvDelta;
    this.low = Math.max(this.low, (b - slack) / a);
    this.high = Math.min(this.high, (b + slack) / a);
  }

  /**
   * The interval after the latest look ([0, 1] before the first), narrowed to what the values
   * seen allow whatever the rest are (each unseen value lies in [0, 1]).
   */
  interval(): MeanInterval {
    const unseen = this.population - this.seen;
    return { low: Math.max(this.low, this.sum / this.population), high: Math.min(this.high, (this.sum + unseen) / this.population) };
  }
}
