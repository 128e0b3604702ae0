/**
 * The floor for the SDK admin entry's bundle size: the least a browser needs to call the same admin endpoints
 * (settings, reports and their CSV, webhooks and their deliveries) with a token, without retries, timeouts, typed
 * errors or types.
 */
export function admin(base: string, token: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(String(res.status));
    return res.status === 204 ? undefined : path.includes('.csv') ? res.text() : res.json();
  };
  return {
    settings: (patch?: object) => call(patch ? 'PATCH' : 'GET', '/clinic/settings', patch),
    report: (q: Record<string, string>) => call('GET', `/reports?${new URLSearchParams(q)}`),
    csv: (q: Record<string, string>) => call('GET', `/reports.csv?${new URLSearchParams(q)}`),
    webhooks: () => call('GET', '/webhooks'),
    create: (url: string, events: string[]) => call('POST', '/webhooks', { url, events }),
    rotate: (id: string) => call('POST', `/webhooks/${id}/rotate-secret`),
    remove: (id: string) => call('DELETE', `/webhooks/${id}`),
    deliveries: (id: string) => call('GET', `/webhooks/${id}/deliveries`),
    replay: (id: string, delivery: string) => call('POST', `/webhooks/${id}/deliveries/${delivery}/replay`),
  };
}
