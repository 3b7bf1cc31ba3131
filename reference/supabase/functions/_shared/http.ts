// Small helpers every function shares: JSON answers with CORS, secrets, the caller's token.
import { corsHeaders } from "./cors.ts";

/** A JSON response carrying the CORS headers. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...corsHeaders, "Content-Type": "application/json" },
  });
}

/** Names among `names` that are unset or empty in the environment; `"A|B"` is satisfied by
 * either (a current key or its legacy counterpart) and reported as "A or B". */
export function missingSecrets(names: readonly string[]): string[] {
  return names
    .filter((name) => !firstSecret(...name.split("|")))
    .map((name) => name.split("|").join(" or "));
}

/** The first of `names` that is set: e.g. SUPABASE_SECRET_KEY, else SUPABASE_SERVICE_ROLE_KEY. */
export function firstSecret(...names: string[]): string {
  for (const name of names) {
    const value = (Deno.env.get(name) ?? "").trim();
    if (value) return value;
  }
  return "";
}

/** 500 naming the missing secrets, so a forgotten `supabase secrets set` is obvious. */
export function missingSecretsResponse(fn: string, missing: string[]): Response {
  return json(
    {
      error: `missing secret${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
      function: fn,
      missing_secrets: missing,
    },
    500,
  );
}

/** The value of a secret known to be set (checked with missingSecrets first). */
export function secret(name: string): string {
  return (Deno.env.get(name) ?? "").trim();
}

/** The bearer token of the request, or null. */
export function bearerToken(req: Request): string | null {
  const header = req.headers.get("Authorization") ?? "";
  const match = header.match(/^Bearer\s+(.+)$/i);
  return match ? match[1].trim() : null;
}

/** The request's JSON body as an object; an empty body is `{}`; anything else is null. */
export async function readJsonObject(req: Request): Promise<Record<string, unknown> | null> {
  const text = await req.text();
  if (!text.trim()) return {};
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
