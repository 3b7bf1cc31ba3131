// Host for one edge function, run by reference/stack/deno.py.
//
// The function's index.ts is imported unmodified. Its `Deno.serve(...)` call is redirected to
// 127.0.0.1 on an OS-chosen port; once listening, the port is written to the ready file the
// supervisor waits for. An exception thrown by the handler answers like Supabase's edge
// runtime (500 WORKER_ERROR). The host's own variables are removed from the environment
// before the function runs, so the function sees only its secrets.

const entrypoint = Deno.env.get("EDGE_HOST_ENTRYPOINT");
const readyFile = Deno.env.get("EDGE_HOST_READY_FILE");
for (const name of ["EDGE_HOST_ENTRYPOINT", "EDGE_HOST_READY_FILE"]) Deno.env.delete(name);
if (!entrypoint || !readyFile) {
  console.error("deno_host: EDGE_HOST_ENTRYPOINT and EDGE_HOST_READY_FILE must be set");
  Deno.exit(2);
}

type Handler = Deno.ServeHandler;
type Options = Record<string, unknown> & { handler?: Handler };

const workerError = () =>
  Response.json(
    { code: "WORKER_ERROR", message: "Function exited due to an error (please check logs)" },
    { status: 500 },
  );

const originalServe = Deno.serve.bind(Deno);
let serving = false;

// Deno.serve(handler) | Deno.serve(options, handler) | Deno.serve({ handler, ...options })
function hostedServe(...args: unknown[]): Deno.HttpServer {
  const [first, second] = args;
  const options: Options = typeof first === "function" ? {} : { ...(first as Options) };
  const handler = (typeof first === "function" ? first : second ?? options.handler) as Handler;
  if (serving) throw new Error("deno_host: a function may call Deno.serve only once");
  serving = true;
  delete options.handler;
  const userOnError = options.onError as ((e: unknown) => Response) | undefined;
  return originalServe({
    ...options,
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }: { port: number }) => {
      Deno.writeTextFileSync(readyFile!, JSON.stringify({ port }) + "\n");
      console.log(`edge function listening on 127.0.0.1:${port}`);
    },
    onError: (error: unknown) => {
      console.error("uncaught error in the function's handler:", error);
      return userOnError ? userOnError(error) : workerError();
    },
  } as Deno.ServeTcpOptions, handler);
}

(Deno as unknown as { serve: typeof hostedServe }).serve = hostedServe;

await import(new URL(entrypoint, "file:///").href);
