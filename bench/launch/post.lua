-- wrk script: launches through the API, for bench/launch and bench/memory.
--
--   wrk -tT -cC -s post.lua URL -- TOKEN ROUTE FLOW_FORMAT NFLOWS T [MAX MARK]
--
-- ROUTE is /api/flows/launch or /api/v1/jobs?wait=30. FLOW_FORMAT is a
-- Lua format with one %d (four_%d.yml). A flow never runs twice at once (a
-- second launch would get 409), so:
--   -tN -cN, NFLOWS = N    each wrk thread (one connection) launches its own
--                          flow, one launch after the other: N clients x N
--                          different flows
--   -tT -cC, NFLOWS > C    each thread cycles through its own NFLOWS/T flows
--                          (counter modulo), so a flow comes back long after
--                          its previous run ended
-- T is wrk's -t (threads cannot see their number).
-- MAX (optional): the thread stops after MAX/T answers and creates the file
-- MARK<thread number>: a launch count instead of a duration. wrk itself
-- still waits for its -d, so the caller sends it SIGINT (it then prints its
-- statistics) once the T files exist.

-- At the end it prints "statuses: 200=N 409=M ..." (the answers by status).

local next_id = 0
local threads = {}

function setup(thread)
    thread:set("tid", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

function init(args)
    token = args[1]
    route = args[2]
    fmt = args[3]
    nflows = tonumber(args[4])
    local nthreads = tonumber(args[5])
    per_thread = math.max(1, math.floor(nflows / nthreads))
    limit = args[6] and math.floor(tonumber(args[6]) / nthreads) or nil
    mark = args[7]
    counter = 0
    answers = 0
    codes = {}
    headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
end

function request()
    counter = counter + 1
    local n = (tid * per_thread + (counter % per_thread)) % nflows
    local body = string.format('{"path":"%s","data":{"x":%d}}', string.format(fmt, n), counter)
    return wrk.format("POST", route, headers, body)
end

function response(status, hdrs, body)
    answers = answers + 1
    codes[status] = (codes[status] or 0) + 1
    if limit and answers == limit then
        wrk.thread:stop()
        if mark then
            local f = io.open(mark .. tid, "w")
            f:close()
        end
    end
end

function done(summary, latency, requests)
    local total = {}
    for _, t in ipairs(threads) do
        for status, n in pairs(t:get("codes") or {}) do
            total[status] = (total[status] or 0) + n
        end
    end
    local keys = {}
    for status in pairs(total) do
        table.insert(keys, status)
    end
    table.sort(keys)
    local out = {}
    for _, status in ipairs(keys) do
        table.insert(out, status .. "=" .. total[status])
    end
    io.write("statuses: " .. table.concat(out, " ") .. "\n")
end
