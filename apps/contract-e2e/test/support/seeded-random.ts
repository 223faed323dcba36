/**
 * A seeded PRNG (mulberry32) for the scenarios that pick a random moment: the seed is printed
 * with the result, and `TAPES_E2E_SEED=<n>` replays a run.
 */
export function seededRandom(): { seed: number; random: () => number } {
  const seed = Number(process.env['TAPES_E2E_SEED'] ?? Math.floor(Math.random() * 100_000));
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, random };
}
