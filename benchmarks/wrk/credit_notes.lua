-- POST /api/v1/bills/{number}/credit-notes of 1 fen: wrk thread i credits bill i of BILLS.
-- Env: TOKEN, BILLS (comma-separated bill numbers).
local bills = {}
for number in string.gmatch(os.getenv("BILLS") or "", "[^,]+") do bills[#bills + 1] = number end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("idx", counter)
end

function init(args)
  path = "/api/v1/bills/" .. bills[((idx - 1) % #bills) + 1] .. "/credit-notes"
  auth = "Bearer " .. os.getenv("TOKEN")
end

function request()
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["Authorization"] = auth},
                    '{"amount_fen":1,"reason":"bench"}')
end
