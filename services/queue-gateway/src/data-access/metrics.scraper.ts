/**
 * Reads other services' `GET /metrics` (Prometheus text) as Prometheus would, for the operator
 * dashboard: each answer by name, undefined for one that does not answer within `timeoutMs`.
 */
export function metricsScraper<Name extends string>(urls: Readonly<Record<Name, string>>, timeoutMs = 500): () => Promise<Partial<Record<Name, string>>> {
  const scrapeOne = (url: string) =>
    fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) })
      .then((answer) => (answer.ok ? answer.text() : undefined))
      .catch(() => undefined);
  return async () => {
    const names = Object.keys(urls) as Name[];
    const texts = await Promise.all(names.map((name) => scrapeOne(urls[name])));
    return Object.fromEntries(names.map((name, i) => [name, texts[i]])) as Partial<Record<Name, string>>;
  };
}
