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

local next_id = 0

function setup(thread)
    thread:set("tid", next_id)
    next_id = next_id + 1
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
    if limit and answers == limit then
        wrk.thread:stop()
        if mark then
            local f = io.open(mark .. tid, "w")
            f:close()
        end
    end
end
