-- wrk script: POST /api/flows/launch of small flows, for bench/api/run.sh.
--
--   wrk -tTHREADS ... -s launch.lua http://127.0.0.1:PORT -- TOKEN NFLOWS THREADS
--
-- A flow never runs twice at once (the second launch gets 409), so each
-- wrk thread cycles through its own NFLOWS/threads flow files
-- (bench_000.yml ...): with 8 connections per thread and 64 flows per
-- thread, a flow is requested again only after 63 other requests of that
-- thread, long after its previous run ended. Non-2xx answers (409s
-- included) are counted by wrk and reported by run.sh.

local next_id = 0

function setup(thread)
    thread:set("tid", next_id)
    next_id = next_id + 1
end

function init(args)
    token = args[1] or "bench-token"
    per_thread = math.floor(tonumber(args[2] or "128") / tonumber(args[3] or "2"))
    counter = 0
    headers = {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. token,
    }
end

function request()
    counter = counter + 1
    local n = tid * per_thread + (counter % per_thread)
    local body = string.format('{"path":"bench_%03d.yml","data":{"x":%d}}', n, counter)
    return wrk.format("POST", "/api/flows/launch", headers, body)
end
