// CORS for browser callers: Supabase leaves preflight to each function, so every function
// answers OPTIONS itself and adds these headers to every response.

const ALLOWED_HEADERS = [
  "authorization",
  "x-client-info",
  "apikey",
  "content-type",
  "x-region",
  "x-supabase-client-platform",
  "x-supabase-client-platform-version",
  "x-supabase-client-runtime",
  "x-supabase-client-runtime-version",
].join(", ");

export const corsHeaders: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": ALLOWED_HEADERS,
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
};

/** The answer to a browser's preflight: 200 with the CORS headers and no body. */
export function preflight(req: Request): Response {
  // Echo what the browser asks for, so a new client header never breaks the preflight.
  const requested = req.headers.get("Access-Control-Request-Headers");
  const headers = { ...corsHeaders };
  if (requested) headers["Access-Control-Allow-Headers"] = requested;
  return new Response("ok", { status: 200, headers });
}
