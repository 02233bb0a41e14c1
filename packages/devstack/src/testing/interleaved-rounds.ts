/**
 * Benchmarks on a shared, noisy machine: every side runs `rounds` times, interleaved and in rotating
 * order (round r starts with side r), so that a checkpoint or a neighbour's burst hits all sides alike.
 * Per side: the run with the median `score`. `beforeEach` runs before every run (e.g. a reset).
 */
export async function interleavedMedians<T>(
  sides: Readonly<Record<string, () => Promise<T>>>,
  rounds: number,
  score: (run: T) => number,
  beforeEach: () => Promise<void> = async () => undefined,
): Promise<Map<string, T>> {
  const names = Object.keys(sides);
  const runs = new Map<string, T[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!;
      await beforeEach();
      runs.get(name)!.push(await sides[name]!());
    }
  }
  const medians = new Map<string, T>();
  for (const [name, results] of runs) medians.set(name, [...results].sort((a, b) => score(a) - score(b))[Math.floor(results.length / 2)]!);
  return medians;
}
