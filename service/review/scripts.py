"""The review queue's Lua scripts: each change of an item is one atomic step in Redis.

Every script reads the server's clock (TIME), so all API hosts share one notion of now.
"""

from __future__ import annotations

from service.delivery.outbox import EMIT

NOW = r"""
local t = redis.call('TIME')
local now = string.format('%.6f', tonumber(t[1]) + tonumber(t[2]) / 1e6)
local function decode(raw)
  if not raw then return {} end
  local ok, value = pcall(cjson.decode, raw)
  if ok then return value end
  -- Python's JSON may hold a lone UTF-16 surrogate, which stops cjson: replace them.
  ok, value = pcall(cjson.decode, (string.gsub(raw, '\\u[dD][89a-fA-F]%x%x', '\\ufffd')))
  if ok then return value end
  return {}
end
local function text(value)
  if type(value) == 'string' then return value end
  return ''
end
"""

# One decision per item: the first caller wins, later ones learn who decided and when.
# KEYS: record, review stream, audit, labels, review index, decided set, outbox, callback.
# ARGV: review id, label, moderator, note, lease ms, group, site, comment id, learn (1/0).
DECIDE = (
    NOW
    + EMIT
    + """
local rec = redis.call('HMGET', KEYS[1], 'review_id', 'review_state', 'decision',
  'decided_by', 'decided_at', 'comment', 'response', 'verdict', 'score')
if rec[1] ~= ARGV[1] then
  return {'superseded', rec[1] or ''}
end
if rec[2] == 'decided' then
  return {'decided', rec[3], rec[4], rec[5]}
end
local pel = redis.pcall('XPENDING', KEYS[2], ARGV[6], ARGV[1], ARGV[1], 1)
if type(pel) == 'table' and pel[1] and pel[1][2] ~= ARGV[3]
    and pel[1][3] < tonumber(ARGV[5]) then
  return {'claimed', pel[1][2], tostring(pel[1][3])}
end
redis.call('XACK', KEYS[2], ARGV[6], ARGV[1])
redis.call('XDEL', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'review_state', 'decided', 'decision', ARGV[2],
  'decided_by', ARGV[3], 'decided_at', now, 'note', ARGV[4])
redis.call('HSET', KEYS[5], ARGV[1], cjson.encode({ARGV[7], ARGV[8]}))
redis.call('ZADD', KEYS[6], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', tonumber(now) - 86400)
redis.call('XADD', KEYS[3], '*', 'event', 'decide', 'review_id', ARGV[1], 'site', ARGV[7],
  'id', ARGV[8], 'moderator', ARGV[3], 'at', now, 'label', ARGV[2], 'note', ARGV[4],
  'score', rec[9], 'verdict', rec[8], 'model_version', text(decode(rec[7]).model_version))
if ARGV[9] == '1' then
  local comment = decode(rec[6])
  local post = type(comment.post) == 'table' and comment.post or {}
  redis.call('XADD', KEYS[4], '*', 'site', ARGV[7], 'id', ARGV[8], 'label', ARGV[2],
    'text', text(comment.content), 'post_url', text(post.url), 'type', text(comment.type),
    'post_title', text(post.title),
    'source', 'moderator:' .. ARGV[3], 'at', now)
end
-- A decision that teaches nothing is a model's (recheck), named model:<version>.
local source = ARGV[9] == '1' and 'moderator' or 'model'
emit(KEYS[7], KEYS[8], 'comment.decided', ARGV[7], ARGV[8], ARGV[2], source, ARGV[3], now,
  rec[9] or '', text(decode(rec[7]).model_version))
return {'ok', now}
"""
)

# Put a decided item back in the queue as a new entry and withdraw its label.
# KEYS: record, review stream, audit, labels, decided set, outbox, callback.
# ARGV: review id, moderator, undo window seconds, site, comment id.
UNDO = (
    NOW
    + EMIT
    + """
local rec = redis.call('HMGET', KEYS[1], 'review_id', 'review_state', 'decision',
  'decided_by', 'decided_at', 'score', 'verdict', 'response')
if rec[1] ~= ARGV[1] then
  return {'superseded', rec[1] or ''}
end
if rec[2] ~= 'decided' then
  return {'not_decided'}
end
if rec[4] ~= ARGV[2] then
  return {'not_decider', rec[4]}
end
if tonumber(now) - tonumber(rec[5]) > tonumber(ARGV[3]) then
  return {'too_late', rec[5]}
end
local new_id = redis.call('XADD', KEYS[2], '*', 'site', ARGV[4], 'id', ARGV[5], 'score', rec[6])
redis.call('HSET', KEYS[1], 'review_id', new_id, 'review_state', 'pending')
redis.call('HDEL', KEYS[1], 'decision', 'decided_by', 'decided_at', 'note')
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('XADD', KEYS[3], '*', 'event', 'undo', 'review_id', ARGV[1], 'site', ARGV[4],
  'id', ARGV[5], 'moderator', ARGV[2], 'at', now, 'label', rec[3], 'requeued_as', new_id,
  'score', rec[6], 'verdict', rec[7], 'model_version', text(decode(rec[8]).model_version))
redis.call('XADD', KEYS[4], '*', 'site', ARGV[4], 'id', ARGV[5], 'label', 'retracted',
  'text', '', 'source', 'moderator:' .. ARGV[2], 'at', now)
emit(KEYS[6], KEYS[7], 'comment.reopened', ARGV[4], ARGV[5], '', 'moderator', ARGV[2], now,
  rec[6] or '', text(decode(rec[8]).model_version))
return {'ok', new_id}
"""
)

# Hand a claim back: mark it idle for a whole lease so the next claim takes it.
# KEYS: review stream. ARGV: review id, moderator, group, lease ms.
RELEASE = """
local pel = redis.pcall('XPENDING', KEYS[1], ARGV[3], ARGV[1], ARGV[1], 1)
if type(pel) ~= 'table' or not pel[1] or pel[1][3] >= tonumber(ARGV[4]) then
  return {'not_claimed'}
end
if pel[1][2] ~= ARGV[2] then
  return {'not_yours', pel[1][2]}
end
redis.call('XCLAIM', KEYS[1], ARGV[3], ARGV[2], 0, ARGV[1], 'IDLE', ARGV[4], 'JUSTID')
return {'ok'}
"""

# A platform's own decision (Akismet submit-spam/ham, the label API): the record notes it
# (a recheck answers it), an open review item is closed as decided by "platform:<source>",
# and an audit entry and one training label are written, all in one step. Without a record
# only the label is written.
# A closed item's decision is final, so it writes its outbox event like DECIDE.
# KEYS: record, review stream, audit, labels, review index, decided set, outbox, callback.
# ARGV: label, source, group, site, comment id, text, post url, comment type (the last three
# from the platform; the record's own are used where empty).
CLOSE = (
    NOW
    + EMIT
    + """
local rec = redis.call('HMGET', KEYS[1], 'review_id', 'review_state', 'comment', 'response',
  'verdict', 'score')
local source = 'platform:' .. ARGV[2]
local comment = decode(rec[3])
local post = type(comment.post) == 'table' and comment.post or {}
local body = ARGV[6] ~= '' and ARGV[6] or text(comment.content)
local status = 'recorded'
local rid = rec[1] or ''
if rec[3] then
  redis.call('HSET', KEYS[1], 'platform_label', ARGV[1], 'platform_source', source,
    'platform_at', now)
  if rid ~= '' and rec[2] ~= 'decided' then
    redis.call('XACK', KEYS[2], ARGV[3], rid)
    redis.call('XDEL', KEYS[2], rid)
    redis.call('HSET', KEYS[1], 'review_state', 'decided', 'decision', ARGV[1],
      'decided_by', source, 'decided_at', now, 'note', '')
    redis.call('HSET', KEYS[5], rid, cjson.encode({ARGV[4], ARGV[5]}))
    redis.call('ZADD', KEYS[6], now, rid)
    redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', tonumber(now) - 86400)
    status = 'closed'
    emit(KEYS[7], KEYS[8], 'comment.decided', ARGV[4], ARGV[5], ARGV[1], 'platform', source,
      now, rec[6] or '', text(decode(rec[4]).model_version))
  end
  redis.call('XADD', KEYS[3], '*', 'event', 'platform', 'review_id', rid, 'site', ARGV[4],
    'id', ARGV[5], 'moderator', source, 'at', now, 'label', ARGV[1], 'note', status,
    'score', rec[6] or '', 'verdict', rec[5] or '',
    'model_version', text(decode(rec[4]).model_version))
elseif body == '' then
  return {'unknown', ''}
end
if body ~= '' then
  redis.call('XADD', KEYS[4], '*', 'site', ARGV[4], 'id', ARGV[5], 'label', ARGV[1],
    'text', body, 'post_url', ARGV[7] ~= '' and ARGV[7] or text(post.url),
    'type', ARGV[8] ~= '' and ARGV[8] or text(comment.type), 'post_title', text(post.title),
    'source', source, 'at', now)
end
return {status, rid}
"""
)
