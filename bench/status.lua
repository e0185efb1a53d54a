-- Counts responses other than 200 across wrk's threads (wrk itself does not count redirects),
-- and the answers that came from the page cache (X-Page-Cache: hit).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  hits = 0
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
  if headers["X-Page-Cache"] == "hit" then
    hits = hits + 1
  end
end

function done(summary, latency, requests)
  local total, kept = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
    kept = kept + thread:get("hits")
  end
  io.write(string.format("NON200 %d\n", total))
  io.write(string.format("KEPT %d\n", kept))
end
