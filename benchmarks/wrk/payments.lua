-- POST /api/v1/payments: wrk thread i pays for room i of ROOMS (comma-separated; one thread per
-- connection), with a fresh idempotency key per request. Env: TOKEN, ROOMS, RUN.
local rooms = {}
for code in string.gmatch(os.getenv("ROOMS") or "", "[^,]+") do rooms[#rooms + 1] = code end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("idx", counter)
end

function init(args)
  room = rooms[((idx - 1) % #rooms) + 1]
  n = 0
  run = os.getenv("RUN") or "run"
  auth = "Bearer " .. os.getenv("TOKEN")
end

function request()
  n = n + 1
  local body = string.format(
    '{"room":"%s","amount_fen":1234,"channel":"cash","reference":"bench","idempotency_key":"%s-%d-%d"}',
    room, run, idx, n)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = auth}, body)
end
