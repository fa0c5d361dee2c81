// Small JSON calls to a server under test (setup and validation, not load).
export interface JsonResponse {
  status: number;
  body: any;
  bytes: number;
}

export async function call(base: string, apiKey: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<JsonResponse> {
  const res = await fetch(base + path, {
    method,
    headers: { 'x-api-key': apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json, bytes: Buffer.byteLength(text) };
}

export async function expectStatus(what: string, res: Promise<JsonResponse> | JsonResponse, status: number): Promise<JsonResponse> {
  const r = await res;
  if (r.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 500)}`);
  return r;
}
