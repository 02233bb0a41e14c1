/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) this summary reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by where the code lives: a package under node_modules, the project's own code, Node itself, idle, GC. */
  byArea: { area: string; ms: number; share: number }[];
  /** The functions with the most self time. */
  topFunctions: { fn: string; area: string; ms: number; share: number }[];
}

/** Which part of the process a frame belongs to, by its script URL. */
export function areaOf(url: string, functionName: string): string {
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') return functionName;
  if (!url) return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + 'node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  if (url.startsWith('node:')) return 'node (core)';
  const project = /\/(services|packages)\/([^/]+)\//.exec(url);
  return project ? `${project[1]}/${project[2]}` : url;
}

/** Self time per area and per function, from sample counts (each sample = the profile's mean interval). */
export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const totalMs = (profile.endTime - profile.startTime) / 1_000;
  const samples = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  const msPerSample = totalMs / samples;
  const areas = new Map<string, number>();
  const functions = new Map<string, { area: string; ms: number }>();
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * msPerSample;
    if (ms === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const file = url.split('/').slice(-1)[0];
    const key = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    const entry = functions.get(key) ?? { area, ms: 0 };
    entry.ms += ms;
    functions.set(key, entry);
  }
  const share = (ms: number) => Math.round((1_000 * ms) / totalMs) / 10;
  return {
    totalMs: Math.round(totalMs),
    byArea: [...areas].sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({ area, ms: Math.round(ms), share: share(ms) })),
    topFunctions: [...functions]
      .filter(([, f]) => !f.area.startsWith('('))
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, top)
      .map(([fn, f]) => ({ fn, area: f.area, ms: Math.round(f.ms), share: share(f.ms) })),
  };
}

export function renderProfile(name: string, summary: ProfileSummary): string {
  return [
    `### ${name}: ${summary.totalMs} ms profiled`,
    '| where | self ms | share |',
    '|---|---:|---:|',
    ...summary.byArea.slice(0, 12).map((a) => `| ${a.area} | ${a.ms} | ${a.share}% |`),
    '',
    '| hottest functions (self time) | where | ms | share |',
    '|---|---|---:|---:|',
    ...summary.topFunctions.map((f) => `| \`${f.fn}\` | ${f.area} | ${f.ms} | ${f.share}% |`),
    '',
  ].join('\n');
}
