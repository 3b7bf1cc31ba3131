// weight-report: the caller's weight summary from weight_measurements.
//
// Reads under the CALLER's JWT (the publishable or anon key plus the caller's Authorization
// header), so the table's RLS policies decide which rows count. Answers
// {count, first, latest, change_kg, min_kg, max_kg, avg_7d_kg, unit: "kg"}; with no
// measurements count is 0 and the rest null. avg_7d_kg averages the measurements of the
// 7 days that end at the latest one.
import { createClient } from "npm:@supabase/supabase-js@2";
import { preflight } from "../_shared/cors.ts";
import {
  bearerToken,
  firstSecret,
  json,
  missingSecrets,
  missingSecretsResponse,
  secret,
} from "../_shared/http.ts";

const FUNCTION_NAME = "weight-report";
const REQUIRED = ["SUPABASE_URL", "SUPABASE_PUBLISHABLE_KEY|SUPABASE_ANON_KEY"];
const PAGE = 1000; // PostgREST's usual max-rows: read in pages so a long history is complete
const WEEK_MS = 7 * 24 * 3600 * 1000;

type Measurement = { value_kg: number; measured_at: string };

Deno.serve(async (req: Request) => {
  if (req.method === "OPTIONS") return preflight(req);
  if (req.method !== "GET" && req.method !== "POST") return json({ error: "use GET or POST" }, 405);

  const missing = missingSecrets(REQUIRED);
  if (missing.length) return missingSecretsResponse(FUNCTION_NAME, missing);

  const token = bearerToken(req);
  if (!token) return json({ error: "sign in first" }, 401);
  const publicKey = firstSecret("SUPABASE_PUBLISHABLE_KEY", "SUPABASE_ANON_KEY");
  const client = createClient(secret("SUPABASE_URL"), publicKey, {
    global: { headers: { Authorization: `Bearer ${token}` } },
    auth: { persistSession: false, autoRefreshToken: false },
  });
  // getClaims verifies the token: through the project's JWKS when it is signed asymmetrically
  // (ES256/RS256 with a kid), else by asking Auth (getUser), as supabase-js does.
  const { data: verified, error: claimsError } = await client.auth.getClaims(token);
  if (claimsError || !verified?.claims?.sub) return json({ error: "sign in first" }, 401);

  const rows: Measurement[] = [];
  for (let from = 0;; from += PAGE) {
    const { data, error } = await client
      .from("weight_measurements")
      .select("weight_kg, measured_at")
      .order("measured_at", { ascending: true })
      .order("id", { ascending: true })
      .range(from, from + PAGE - 1);
    if (error) {
      return json({ error: `reading weight_measurements: ${error.message}`, function: FUNCTION_NAME }, 500);
    }
    for (const row of data ?? []) {
      rows.push({ value_kg: Number(row.weight_kg), measured_at: String(row.measured_at) });
    }
    if (!data || data.length < PAGE) break;
  }
  return json(summarize(rows));
});

/** The report for measurements sorted by time, oldest first. */
function summarize(rows: Measurement[]) {
  if (rows.length === 0) {
    return {
      count: 0,
      first: null,
      latest: null,
      change_kg: null,
      min_kg: null,
      max_kg: null,
      avg_7d_kg: null,
      unit: "kg",
    };
  }
  const first = rows[0];
  const latest = rows[rows.length - 1];
  const values = rows.map((row) => row.value_kg);
  const weekStart = Date.parse(latest.measured_at) - WEEK_MS;
  const lastWeek = rows.filter((row) => Date.parse(row.measured_at) > weekStart);
  const average = lastWeek.reduce((sum, row) => sum + row.value_kg, 0) / lastWeek.length;
  return {
    count: rows.length,
    first,
    latest,
    change_kg: round2(latest.value_kg - first.value_kg),
    min_kg: values.reduce((a, b) => Math.min(a, b)),
    max_kg: values.reduce((a, b) => Math.max(a, b)),
    avg_7d_kg: round2(average),
    unit: "kg",
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
