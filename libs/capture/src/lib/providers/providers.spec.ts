import { createDefaultReducers, isProvider, isTurnApi, PROVIDER_SPECS, PROVIDERS, TURN_APIS } from './providers';

describe('the provider list', () => {
  it('recognises exactly the shipped providers and APIs', () => {
    expect(PROVIDERS.every(isProvider)).toBe(true);
    expect(isProvider('Anthropic')).toBe(false);
    expect(isProvider(undefined)).toBe(false);
    expect(TURN_APIS.every(isTurnApi)).toBe(true);
    expect(isTurnApi('anthropic')).toBe(false);
  });

  it('gives every API exactly one reducer, of its own provider, in the spec order', () => {
    const reducers = createDefaultReducers();
    expect(reducers.map((r) => r.api)).toEqual(TURN_APIS);
    for (const spec of PROVIDER_SPECS) {
      expect(spec.createReducers().map((r) => [r.provider, r.api])).toEqual(spec.apis.map((api) => [spec.name, api]));
    }
  });

  it('names a distinct upstream variable per provider', () => {
    const envs = PROVIDER_SPECS.map((s) => s.upstreamEnv);
    expect(new Set(envs).size).toBe(envs.length);
    for (const spec of PROVIDER_SPECS) expect(spec.upstreamEnv).toBe(`TAPES_UPSTREAM_${spec.name.toUpperCase()}`);
  });
});
