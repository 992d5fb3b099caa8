-- wrk script: GET each school path of a file in turn, and 1 request in 20 a
-- PATCH of a school already read, with If-Match of the version its last
-- answer carried (ids and ETags are read from the answers: a school's body
-- starts with its id). A 412 means another connection wrote it first.
-- wrk ... -s doc_cache_writes.lua URL -- PATHS_FILE READ_TOKEN WRITE_TOKEN
local paths, i, n = {}, 0, 0
local versions, known = {}, {}
local read_auth, write_auth
function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  read_auth = "Bearer " .. args[2]
  write_auth = "Bearer " .. args[3]
  i = math.random(#paths)
end
function request()
  n = n + 1
  if n % 20 == 0 and #known > 0 then
    local id = known[math.random(#known)]
    return wrk.format("PATCH", "/api/v1/schools/" .. id,
      {["Authorization"] = write_auth, ["If-Match"] = versions[id],
       ["Content-Type"] = "application/json"},
      '{"phone":"+7 ' .. n .. '"}')
  end
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Authorization"] = read_auth})
end
function response(status, headers, body)
  if status ~= 200 then return end
  local id = body:match('^{"id":(%d+)')
  local etag = headers["ETag"] or headers["Etag"] or headers["etag"]
  if id and etag then
    if not versions[id] then known[#known + 1] = id end
    versions[id] = etag
  end
end
