import type { Verdict } from '../../harness/checks/check';
import { parseDiagram } from '../../harness/spec/diagram';
import type { Exchange } from '../../harness/trace';

/** A small spec and hand-built exchanges, so the trace→PlantUML mapping is tested exactly. */
export const SPEC = `@startuml t
title Test workflow
participant Browser
participant Store
participant FusionAuth
autonumber
== Login ==
Browser -> Store : POST /login\\n(loginId, password)
Store -> FusionAuth : POST /api/login\\n(loginId, password, applicationId)
FusionAuth -> Store : 200 (User, Refresh Token and JWT)
Store -> Browser : 302 Location: /cart\\n[JWT HttpOnly]
== Cart ==
Browser -> Store : GET /cart\\n[JWT]
Store -> FusionAuth : POST /api/jwt/refresh
FusionAuth -> Store : 200 (JWT)
Store -> Browser : (Cart HTML)
@enduml
`;

export const diagram = parseDiagram(SPEC, 't.puml', 't');

/** A JWT-shaped secret and a password that must never reach a report file. */
export const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImF1ZCI6InN0b3JlIn0.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ';
export const PASSWORD = 'hunter2-correct-horse';

let seq = 0;
export function ex(p: Partial<Exchange> & Pick<Exchange, 'from' | 'to' | 'at'> & { method: string; path: string; status?: number; reqHeaders?: Record<string, string | string[]>; resHeaders?: Record<string, string | string[]>; reqBody?: string; resBody?: string }): Exchange {
  return {
    seq: p.seq ?? ++seq,
    at: p.at,
    durationMs: p.durationMs ?? 5,
    from: p.from,
    to: p.to,
    steps: p.steps ?? [],
    request: { method: p.method, host: 'store.example.test', path: p.path, headers: p.reqHeaders ?? {}, body: p.reqBody },
    response: p.status === undefined ? undefined : { status: p.status, headers: p.resHeaders ?? {}, body: p.resBody },
    error: p.error,
    unexpected: p.unexpected,
  };
}

export function verdict(p: Partial<Verdict> & Pick<Verdict, 'id' | 'level' | 'result' | 'steps'>): Verdict {
  return { name: p.id.split('.')[1] ?? p.id, workflow: 't', ok: p.result !== 'fail', expected: 'as the spec says', actual: 'as observed', evidence: [], ...p };
}

/** Login (steps 1-4, passes), then the cart (steps 5-8): no refresh call, a 401, and an extra favicon call. */
export function loginAndCart() {
  seq = 0;
  const login = ex({ seq: 2, from: 'Browser', to: 'Store', at: 100, durationMs: 50, method: 'POST', path: '/login', steps: [1, 2, 3, 4], reqHeaders: { 'content-type': 'application/x-www-form-urlencoded' }, reqBody: `email=alice%40example.com&password=${PASSWORD}`, status: 302, resHeaders: { location: '/cart', 'set-cookie': [`app_jwt=${JWT}; Path=/; HttpOnly; SameSite=Lax`] } });
  const api = ex({ seq: 1, from: 'Store', to: 'FusionAuth', at: 110, durationMs: 10, method: 'POST', path: '/api/login', steps: [1, 2, 3, 4], reqHeaders: { 'content-type': 'application/json' }, reqBody: JSON.stringify({ loginId: 'alice@example.com', password: PASSWORD, applicationId: 'app' }), status: 200, resHeaders: { 'content-type': 'application/json' }, resBody: JSON.stringify({ token: JWT, user: {} }) });
  const cart = ex({ seq: 3, from: 'Browser', to: 'Store', at: 200, method: 'GET', path: '/cart', steps: [5, 6, 7, 8], reqHeaders: { cookie: `app_jwt=${JWT}` }, status: 401, resHeaders: { 'content-type': 'text/html' }, resBody: '<html><title>Log in again</title></html>' });
  const favicon = ex({ seq: 4, from: 'Browser', to: 'Store', at: 300, method: 'GET', path: '/favicon.ico', steps: [5, 6, 7, 8], status: 404 });
  const exchanges = [api, login, cart, favicon];
  const verdicts = [
    verdict({ id: 'T-2.login-called', level: 'MUST', result: 'pass', steps: [2, 3], evidence: [api] }),
    verdict({ id: 'T-4.cookie-httponly', level: 'MUST', result: 'pass', steps: [4], evidence: [login] }),
    verdict({ id: 'T-8.page-shown', level: 'MUST', result: 'fail', steps: [8], expected: 'the cart answers 200', actual: `401, with app_jwt=${JWT}`, evidence: [cart] }),
    verdict({ id: 'T-4.cookie-secure', level: 'SHOULD', result: 'fail', steps: [4], ok: false, actual: 'app_jwt is not Secure', evidence: [login] }),
    verdict({ id: 'T-5.attack-page', level: 'INFO', result: 'info', steps: [5], ok: true, actual: 'the stolen JWT opened the cart', evidence: [cart] }),
  ];
  return { exchanges, verdicts, login, api, cart, favicon };
}
