/**
 * Real HTTP servers on 127.0.0.1 that speak just enough of GitHub's protocols for the unmodified client
 * libraries inside dist/: the REST API's issue comments (as Octokit calls them, paginated by Link
 * headers), and the Actions results service (Twirp JSON) with the Azure Blob block uploads it hands out.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Served {
  url: string;
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<Served> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function body(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(
  res: http.ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(value));
}

export interface Comment {
  id: number;
  body: string;
  user: { login: string };
  html_url: string;
}

export interface GitHubApi extends Served {
  comments: Comment[];
  /** Every request, as `METHOD path?query`. */
  log: string[];
  /** Answer comment writes with 403, as GitHub does for a fork's read-only token. */
  forbidWrites: boolean;
}

/**
 * The issue-comments endpoints of the REST API for one repository. Lists come `pageSize` to a page
 * (whatever per_page asks, as GitHub caps it), with `Link: <...>; rel="next"` headers.
 */
export async function githubApi(owner: string, repo: string, pageSize = 2): Promise<GitHubApi> {
  const state = { comments: [] as Comment[], log: [] as string[], forbidWrites: false, nextId: 1000 };
  const served = await listen(async (req, res) => {
    const url = new URL(req.url!, 'http://127.0.0.1');
    state.log.push(`${req.method} ${url.pathname}${url.search}`);
    const prefix = `/repos/${owner}/${repo}/issues`;
    const list = new RegExp(`^${prefix}/(\\d+)/comments$`).exec(url.pathname);
    const one = new RegExp(`^${prefix}/comments/(\\d+)$`).exec(url.pathname);
    if (
      !req.headers.authorization?.startsWith('token ') &&
      !req.headers.authorization?.startsWith('Bearer ')
    ) {
      return json(res, 401, { message: 'Requires authentication' });
    }
    const forbidden = () =>
      json(res, 403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/issues/comments',
      });
    if (list && req.method === 'GET') {
      const page = Number(url.searchParams.get('page') ?? '1');
      const pages = Math.max(1, Math.ceil(state.comments.length / pageSize));
      const link = (p: number, rel: string) => {
        const u = new URL(`${served.url}${url.pathname}`);
        u.searchParams.set('per_page', url.searchParams.get('per_page') ?? '30');
        u.searchParams.set('page', String(p));
        return `<${u.href}>; rel="${rel}"`;
      };
      const links = [];
      if (page < pages) links.push(link(page + 1, 'next'), link(pages, 'last'));
      if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
      const slice = state.comments.slice((page - 1) * pageSize, page * pageSize);
      return json(res, 200, slice, links.length ? { link: links.join(', ') } : {});
    }
    if (list && req.method === 'POST') {
      if (state.forbidWrites) return forbidden();
      const { body: text } = JSON.parse((await body(req)).toString('utf8'));
      const id = state.nextId++;
      const c = {
        id,
        body: text,
        user: { login: 'github-actions[bot]' },
        html_url: `https://github.com/${owner}/${repo}/pull/${list[1]}#issuecomment-${id}`,
      };
      state.comments.push(c);
      return json(res, 201, c);
    }
    if (one && req.method === 'PATCH') {
      if (state.forbidWrites) return forbidden();
      const c = state.comments.find((x) => x.id === Number(one[1]));
      if (!c) return json(res, 404, { message: 'Not Found' });
      c.body = JSON.parse((await body(req)).toString('utf8')).body;
      return json(res, 200, c);
    }
    json(res, 404, { message: 'Not Found' });
  });
  return Object.assign(state, served) as unknown as GitHubApi;
}

export interface ArtifactService extends Served {
  /** Finalized artifacts by name: their bytes as committed by the block list. */
  artifacts: Map<string, { bytes: Buffer; created: any; finalized: any }>;
  log: string[];
}

const TWIRP = '/twirp/github.actions.results.api.v1.ArtifactService/';

/**
 * CreateArtifact answers with a signed upload URL on this same server; the client then stages blocks
 * (`PUT ?comp=block&blockid=...`, 201) and commits them (`PUT ?comp=blocklist`, 201), then finalizes.
 */
export async function artifactService(): Promise<ArtifactService> {
  const state = {
    artifacts: new Map<string, { bytes: Buffer; created: any; finalized: any }>(),
    log: [] as string[],
  };
  const blocks = new Map<string, Map<string, Buffer>>();
  const blobs = new Map<string, Buffer>();
  const created = new Map<string, any>();
  const served = await listen(async (req, res) => {
    const url = new URL(req.url!, 'http://127.0.0.1');
    state.log.push(`${req.method} ${url.pathname}${url.search}`);
    const data = await body(req);
    if (req.method === 'POST' && url.pathname === `${TWIRP}CreateArtifact`) {
      const r = JSON.parse(data.toString('utf8'));
      created.set(r.name, r);
      const blob = `/blob/actions-results/${r.workflow_run_backend_id ?? r.workflowRunBackendId}/${encodeURIComponent(r.name)}.zip`;
      return json(res, 200, {
        ok: true,
        signed_upload_url: `${served.url}${blob}?sig=test-signature&sv=2023-11-03`,
      });
    }
    if (req.method === 'POST' && url.pathname === `${TWIRP}FinalizeArtifact`) {
      const r = JSON.parse(data.toString('utf8'));
      const blob = [...blobs.keys()].find((k) => k.endsWith(`/${encodeURIComponent(r.name)}.zip`));
      if (!blob) return json(res, 404, { code: 'not_found', msg: 'no blob was committed' });
      state.artifacts.set(r.name, { bytes: blobs.get(blob)!, created: created.get(r.name), finalized: r });
      return json(res, 200, { ok: true, artifact_id: '4242' });
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/blob/')) {
      const comp = url.searchParams.get('comp');
      const staged = blocks.get(url.pathname) ?? new Map<string, Buffer>();
      blocks.set(url.pathname, staged);
      const headers = { 'x-ms-request-id': 'test', 'x-ms-version': '2023-11-03' };
      if (comp === 'block') {
        staged.set(url.searchParams.get('blockid')!, data);
        res.writeHead(201, headers);
        return res.end();
      }
      if (comp === 'blocklist') {
        const ids = [...data.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map(
          (m) => m[2]!,
        );
        blobs.set(url.pathname, Buffer.concat(ids.map((id) => staged.get(id)!)));
        res.writeHead(201, { ...headers, etag: '"0x1"', 'last-modified': new Date().toUTCString() });
        return res.end();
      }
    }
    json(res, 404, { code: 'not_found', msg: `${req.method} ${url.pathname}` });
  });
  return Object.assign(state, served) as unknown as ArtifactService;
}

/** An unsigned JWT whose `scp` claim names the run and job, as ACTIONS_RUNTIME_TOKEN does. */
export function runtimeToken(run: string, job: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ scp: `Actions.GenericRead:x Actions.Results:${run}:${job}` })}.`;
}
