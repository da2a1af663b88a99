export interface IssueComment {
  id: number;
  body?: string | null;
  html_url?: string;
}

// A type alias, not an interface: Octokit's parameter types need the implicit index signature.
type Repo = { owner: string; repo: string };

/** The part of an Octokit client (@actions/github's getOctokit) this module calls. */
export interface CommentsOctokit {
  paginate: {
    iterator(route: any, params: any): AsyncIterable<{ data: any }>;
  };
  rest: {
    issues: {
      listComments: any;
      createComment(params: Repo & { issue_number: number; body: string }): Promise<{ data: any }>;
      updateComment(params: Repo & { comment_id: number; body: string }): Promise<{ data: any }>;
    };
  };
}

export type CommentOutcome =
  | { action: 'created' | 'updated'; url?: string; id: number }
  | { action: 'skipped' }
  | { action: 'forbidden'; message: string };

/**
 * One comment per marker: searches the pull request's comments page by page (stopping at the first hit)
 * for one whose body starts with the marker, and updates it; creates it only when none exists. A 403 (a
 * fork's read-only token) is an outcome, not an error: the caller shows the table elsewhere.
 */
export async function upsertComment(
  octokit: CommentsOctokit,
  where: Repo & { issue_number: number },
  marker: string,
  body: string,
  opts: { createIfMissing?: boolean } = {},
): Promise<CommentOutcome> {
  try {
    const existing = await findComment(octokit, where, marker);
    const { owner, repo } = where;
    if (existing) {
      const { data } = await octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: existing.id,
        body,
      });
      return { action: 'updated', url: (data as IssueComment).html_url, id: existing.id };
    }
    if (opts.createIfMissing === false) return { action: 'skipped' };
    const { data } = await octokit.rest.issues.createComment({ ...where, body });
    return { action: 'created', url: (data as IssueComment).html_url, id: (data as IssueComment).id };
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === 403) return { action: 'forbidden', message: (e as Error).message };
    throw e;
  }
}

export async function findComment(
  octokit: CommentsOctokit,
  where: Repo & { issue_number: number },
  marker: string,
): Promise<IssueComment | undefined> {
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, { ...where, per_page: 100 });
  for await (const page of pages) {
    const hit = (page.data as IssueComment[]).find((c) => c.body?.trimStart().startsWith(marker));
    if (hit) return hit;
  }
  return undefined;
}
