// The built-in nodejs20.x runtime: Lambda's runtime loop over the Runtime API (2018-06-01).
//
// Handler "dir/file.fn.path": file is resolved under LAMBDA_TASK_ROOT (.js, .mjs, .cjs),
// CommonJS through require, ES modules through import(). Handlers may be async (return a
// promise) or callback style (event, context, callback). Errors are reported as Lambda's Node
// runtime does: {errorType, errorMessage, trace}, with Runtime.ImportModuleError,
// Runtime.HandlerNotFound and Runtime.UserCodeSyntaxError for init failures.
// Simplification: a callback result is sent at once (callbackWaitsForEmptyEventLoop is kept
// as a settable flag but does not delay the response).
"use strict";

const http = require("http");
const fs = require("fs");
const path = require("path");
const url = require("url");
const util = require("util");

const API = process.env.AWS_LAMBDA_RUNTIME_API || "127.0.0.1:9001";
const [HOST, PORT] = [API.slice(0, API.lastIndexOf(":")), Number(API.slice(API.lastIndexOf(":") + 1))];
const PREFIX = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let currentRequestId = "";
let currentTenantId; // tenant isolation mode: JSON records carry it

function request(method, pathname, body, headers) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      {
        host: HOST,
        port: PORT,
        method,
        path: PREFIX + pathname,
        agent,
        headers: Object.assign(data ? { "Content-Length": data.length } : {}, headers || {}),
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

// --- response streaming: Lambda's `awslambda` global (streamifyResponse, HttpResponseStream).
// A streaming handler's responseStream is the Runtime API request itself: each write goes out
// as one chunk of a `Lambda-Runtime-Function-Response-Mode: streaming` response; a failure ends
// it with the error in trailers (Lambda-Runtime-Function-Error-Type / -Body, base64).
const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response";
globalThis.awslambda = {
  streamifyResponse(handler, options) {
    if (typeof handler !== "function") throw new TypeError("streamifyResponse expects a function");
    handler[STREAMING] = "response";
    if (options && options.highWaterMark) handler.highWaterMark = options.highWaterMark;
    return handler;
  },
  HttpResponseStream: {
    // The HTTP integration's prelude: the metadata as JSON, then eight NUL bytes.
    from(stream, metadata) {
      stream.setContentType(HTTP_INTEGRATION);
      stream.write(JSON.stringify(metadata || {}));
      stream.write(Buffer.alloc(8));
      return stream;
    },
  },
};

function streamInvocation(handler, id, event, context) {
  return new Promise((resolve) => {
    const req = http.request({
      host: HOST,
      port: PORT,
      method: "POST",
      path: `${PREFIX}/invocation/${id}/response`,
      agent,
      headers: {
        "Lambda-Runtime-Function-Response-Mode": "streaming",
        "Transfer-Encoding": "chunked",
        "Content-Type": "application/octet-stream",
        Trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
      },
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", resolve);
      res.on("error", resolve);
    });
    req.on("error", resolve); // refused (too large): the invocation already ended
    req.setContentType = (type) => {
      if (!req.headersSent) req.setHeader("Content-Type", String(type));
    };
    const fail = (e) => {
      const payload = errorPayload(e);
      logInvokeError("Invoke Error", payload);
      if (!req.writableEnded) {
        req.addTrailers({
          "Lambda-Runtime-Function-Error-Type": payload.errorType,
          "Lambda-Runtime-Function-Error-Body": Buffer.from(JSON.stringify(payload)).toString("base64"),
        });
        req.end();
      }
    };
    let returned;
    try {
      returned = handler(event, req, context);
    } catch (e) {
      fail(e);
      return;
    }
    Promise.resolve(returned).then(
      () => {
        if (!req.writableEnded) req.end();
      },
      (e) => fail(e === undefined || e === null ? new Error("Promise rejected") : e),
    );
  });
}

// --- logging. Text: Lambda's "<time>\t<request id>\t<LEVEL>\t<message>" lines, one event per
// call. JSON (AWS_LAMBDA_LOG_FORMAT=JSON, as Lambda's Node runtime does it):
// {"timestamp", "level", "requestId", "message"}, an Error as {errorType, errorMessage,
// stackTrace}; methods below AWS_LAMBDA_LOG_LEVEL do nothing (console.fatal always logs).
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const JSON_FORMAT = (process.env.AWS_LAMBDA_LOG_FORMAT || "").toUpperCase() === "JSON";

function errorReplacer(_, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: (value.constructor && value.constructor.name) || "UnknownError",
        errorMessage: value.message,
        stackTrace: typeof value.stack === "string" ? value.stack.split("\n") : value.stack,
      },
      value,
    );
  }
  return value;
}

function jsonLine(level, params) {
  const result = {
    timestamp: new Date().toISOString(), level, requestId: currentRequestId || undefined,
    tenantId: currentTenantId,
  };
  if (params.length === 1) {
    result.message = params[0];
    try {
      return JSON.stringify(result, errorReplacer);
    } catch (_) {
      result.message = util.format(params[0]);
      return JSON.stringify(result);
    }
  }
  result.message = util.format(...params);
  const err = params.find((p) => p instanceof Error);
  if (err) {
    result.errorType = (err.constructor && err.constructor.name) || "UnknownError";
    result.errorMessage = err.message;
    result.stackTrace = typeof err.stack === "string" ? err.stack.split("\n") : [];
  }
  return JSON.stringify(result);
}

function patchConsole() {
  const threshold = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || "").toUpperCase()] || LEVELS.TRACE;
  const write = (level) => (...args) => {
    const line = JSON_FORMAT
      ? jsonLine(level, args)
      : `${new Date().toISOString()}\t${currentRequestId || "undefined"}\t${level}\t${util.format(...args)}`;
    process.stdout.write(line.replace(/\n/g, "\r") + "\n");
  };
  const method = (level) => (LEVELS[level] >= threshold ? write(level) : () => {});
  console.trace = method("TRACE");
  console.debug = method("DEBUG");
  console.info = method("INFO");
  console.log = console.info;
  console.warn = method("WARN");
  console.error = method("ERROR");
  console.fatal = write("FATAL");
}

// An error the runtime reports, logged as Lambda's Node runtime logs it in each format.
function logInvokeError(label, payload) {
  if (JSON_FORMAT) {
    console.error({ errorType: payload.errorType, errorMessage: payload.errorMessage, stackTrace: payload.trace });
  } else {
    console.error(`${label} \t${JSON.stringify(payload)}`);
  }
}

function errorPayload(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || "Error",
      errorMessage: err.message,
      trace: typeof err.stack === "string" ? err.stack.split("\n") : [],
    };
  }
  return { errorType: typeof err === "string" ? "string" : "Error", errorMessage: String(err), trace: [] };
}

function fault(type, message, cause) {
  const e = new Error(message);
  e.name = type;
  if (cause && typeof cause.stack === "string") e.stack = `${type}: ${message}\n` + cause.stack.split("\n").slice(1).join("\n");
  return e;
}

async function loadHandler() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT || "/var/task";
  const spec = process.env._HANDLER || "";
  const base = path.basename(spec);
  const dot = base.indexOf(".");
  if (dot < 0) throw fault("Runtime.MalformedHandlerName", "Bad handler");
  const modulePath = path.join(taskRoot, path.dirname(spec), base.slice(0, dot));
  const fnPath = base.slice(dot + 1).split(".");
  let mod;
  const found = [".js", ".mjs", ".cjs"].map((ext) => modulePath + ext).find((p) => fs.existsSync(p));
  if (!found) {
    throw fault("Runtime.ImportModuleError", `Error: Cannot find module '${base.slice(0, dot)}'\nRequire stack:\n- ${__filename}`);
  }
  try {
    if (found.endsWith(".mjs")) {
      mod = await import(url.pathToFileURL(found).href);
    } else {
      try {
        mod = require(found);
      } catch (e) {
        if (e && e.code === "ERR_REQUIRE_ESM") mod = await import(url.pathToFileURL(found).href);
        else throw e;
      }
    }
  } catch (e) {
    if (e instanceof SyntaxError) throw fault("Runtime.UserCodeSyntaxError", `${e.name}: ${e.message}`, e);
    if (e && e.code === "MODULE_NOT_FOUND") throw fault("Runtime.ImportModuleError", `Error: ${e.message}`, e);
    throw e;
  }
  let fn = mod;
  for (const part of fnPath) fn = fn == null ? undefined : fn[part];
  if (typeof fn !== "function") {
    throw fault("Runtime.HandlerNotFound", `${base} is undefined or not exported`);
  }
  return fn;
}

function makeContext(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"] || 0);
  const parse = (v) => {
    if (!v) return undefined;
    try {
      return JSON.parse(v);
    } catch (_) {
      return undefined;
    }
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parse(headers["lambda-runtime-cognito-identity"]),
    clientContext: parse(headers["lambda-runtime-client-context"]),
    // Tenant isolation mode (Lambda's Node.js context has tenantId); undefined otherwise.
    tenantId: headers["lambda-runtime-aws-tenant-id"] || undefined,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

function invokeHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (err) => callback(err === undefined || err === null ? "handled" : err);
    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (e) {
      callback(e);
      return;
    }
    if (returned && typeof returned.then === "function") {
      returned.then((r) => callback(null, r), (e) => callback(e === undefined || e === null ? new Error("Promise rejected") : e));
    } else if (handler.length < 3) {
      callback(null, returned); // neither a promise nor a callback handler: the return value
    }
  });
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    const payload = errorPayload(e);
    console.error(JSON.stringify(payload));
    await request("POST", "/init/error", JSON.stringify(payload), {
      "Lambda-Runtime-Function-Error-Type": payload.errorType,
      "Content-Type": "application/json",
    });
    process.exit(1);
  }
  for (;;) {
    const next = await request("GET", "/invocation/next");
    if (next.status !== 200) throw new Error(`runtime API returned ${next.status} for next`);
    const id = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = id;
    currentTenantId = next.headers["lambda-runtime-aws-tenant-id"] || undefined;
    if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
    else delete process.env._X_AMZN_TRACE_ID;
    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString("utf8")) : undefined;
    } catch (e) {
      event = next.body.toString("utf8");
    }
    if (handler[STREAMING] === "response") {
      await streamInvocation(handler, id, event, makeContext(next.headers));
      continue;
    }
    try {
      const result = await invokeHandler(handler, event, makeContext(next.headers));
      const body = result === undefined ? "null" : JSON.stringify(result);
      await request("POST", `/invocation/${id}/response`, body === undefined ? "null" : body, {
        "Content-Type": "application/json",
      });
    } catch (e) {
      const payload = errorPayload(e);
      logInvokeError("Invoke Error", payload);
      await request("POST", `/invocation/${id}/error`, JSON.stringify(payload), {
        "Lambda-Runtime-Function-Error-Type": payload.errorType,
        "Content-Type": "application/json",
      });
    }
  }
}

// The runtime is its namespace's pid 1: without a handler the kernel drops SIGTERM and a
// graceful shutdown would always end in SIGKILL.
process.on("SIGTERM", () => process.exit(0));

process.on("unhandledRejection", (reason) => {
  const payload = errorPayload(reason);
  payload.errorType = "Runtime.UnhandledPromiseRejection";
  logInvokeError("Unhandled Promise Rejection", payload);
  process.exit(128);
});

main().catch((e) => {
  process.stderr.write(`runtime failure: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
