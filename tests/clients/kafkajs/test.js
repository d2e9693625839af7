// kafkajs 2.2.4 against a running klog-serve.
//
// Usage: node test.js HOST:PORT   (run by tests/cli/client_kafkajs.sh)
//
// Checks, in order: CreateTopics through the admin client (or auto-creation
// when it is refused), 1000 keyed messages with headers and explicit
// timestamps over 3 partitions with acks=-1 and base offsets that continue
// per partition, admin.fetchTopicOffsets and fetchTopicOffsetsByTimestamp,
// then Fetch through kafkajs's own broker object compared field by field, a
// gzip producer, a 2 MiB message refused with MESSAGE_TOO_LARGE, long-poll
// Fetch timing, and a consumer group (commit, resume, describe, delete). Topics: kjs-main, kjs-z-gzip, kjs-big (created by
// the caller with max.message.bytes=1048588), kjs-lp. Exits 1 with a message
// on the first failure.
'use strict'

const { Kafka, logLevel, CompressionTypes, Partitioners } = require('kafkajs')

const ADDR = process.argv[2]
const N = 1000
const PARTITIONS = 3

const log = msg => console.log(`kafkajs_test: ${msg}`)
const fail = msg => {
  console.error(`kafkajs_test: FAIL: ${msg}`)
  process.exit(1)
}
const check = (cond, msg) => cond || fail(typeof msg === 'function' ? msg() : msg)
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

const kafka = new Kafka({
  clientId: 'klog-kafkajs-test',
  brokers: [ADDR],
  logLevel: logLevel.ERROR,
  connectionTimeout: 10000,
  requestTimeout: 30000,
  retry: { retries: 3, initialRetryTime: 100 },
})

async function createTopic(admin, topic) {
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], timeout: 15000 })
    log(`${topic}: created with CreateTopics`)
    return 'CreateTopics'
  } catch (e) {
    log(`${topic}: CreateTopics failed (${e.name}: ${e.message}); falling back to auto-create`)
    return 'auto-create'
  }
}

// The cluster object kafkajs builds for its producer and consumer; its broker
// objects send Fetch without a consumer group.
async function rawCluster() {
  const sym = Object.getOwnPropertySymbols(kafka).find(
    s => s.description === 'private:Kafka:createCluster'
  )
  check(sym, 'kafkajs internals changed: no private:Kafka:createCluster')
  const cluster = kafka[sym]({ allowAutoTopicCreation: false })
  await cluster.connect()
  return cluster
}

// One Fetch of one partition; returns [elapsed ms, partition response].
async function fetchOnce(cluster, topic, partition, fetchOffset, maxWaitTime) {
  await cluster.addTargetTopic(topic)
  const leaders = cluster.findLeaderForPartitions(topic, [partition])
  const nodeId = Object.keys(leaders)[0]
  const broker = await cluster.findBroker({ nodeId })
  const start = Date.now()
  const resp = await broker.fetch({
    replicaId: -1,
    isolationLevel: 1,
    maxWaitTime,
    minBytes: 1,
    maxBytes: 10 << 20,
    topics: [{ topic, partitions: [{ partition, fetchOffset: String(fetchOffset), maxBytes: 1 << 20 }] }],
  })
  const part = resp.responses[0].partitions[0]
  check(part.errorCode === 0, `Fetch ${topic} [${partition}] at ${fetchOffset}: error ${part.errorCode}`)
  return [Date.now() - start, part]
}

// Every record of a partition, by Fetch from offset 0 until the high watermark.
async function fetchAll(cluster, topic, partition) {
  const out = []
  for (let round = 0; round < 1000; round++) {
    const [, part] = await fetchOnce(cluster, topic, partition, out.length, 100)
    for (const r of part.messages) {
      if (Number(r.offset) < out.length || r.isControlRecord) continue
      check(Number(r.offset) === out.length, `${topic} [${partition}]: offset ${r.offset} after ${out.length}`)
      out.push(r)
    }
    if (out.length >= Number(part.highWatermark)) return out
    check(part.messages.length > 0, `${topic} [${partition}]: empty Fetch at ${out.length} below the HWM`)
  }
  fail(`${topic} [${partition}]: too many Fetch rounds`)
}

const headerText = h => Object.entries(h || {}).map(([k, v]) => `${k}=${Buffer.from(v).toString('hex')}`).join(',')

function compare(topic, want, got) {
  const a = [want.key.toString('hex'), want.value.toString('hex'), headerText(want.headers), String(want.timestamp)]
  const b = [got.key && got.key.toString('hex'), got.value && got.value.toString('hex'), headerText(got.headers), got.timestamp]
  check(JSON.stringify(a) === JSON.stringify(b), () => `${topic} offset ${got.offset}: ${b} != ${a}`)
}

async function mainTopic(admin, producer, cluster) {
  const topic = 'kjs-main'
  const how = await createTopic(admin, topic)
  const base = Date.now() - 60000
  const messages = []
  for (let i = 0; i < N; i++) {
    messages.push({
      key: Buffer.from(`key-${i}`),
      value: Buffer.from(`value ${i} `.repeat((i % 7) + 1)),
      headers: { index: Buffer.from(String(i)), bin: Buffer.from([i % 256, 0, 255]) },
      timestamp: String(base + i),
      partition: i % PARTITIONS,
    })
  }
  const count = [0, 0, 0]
  for (let i = 0; i < N; i += 100) {
    const batch = messages.slice(i, i + 100)
    const res = await producer.send({ topic, acks: -1, messages: batch })
    for (const r of res) {
      check(r.errorCode === 0, `${topic} [${r.partition}]: error ${r.errorCode}`)
      check(Number(r.baseOffset) === count[r.partition],
        `${topic} [${r.partition}]: baseOffset ${r.baseOffset}, want ${count[r.partition]}`)
      count[r.partition] += batch.filter(m => m.partition === r.partition).length
    }
  }
  check(count.reduce((a, b) => a + b) === N, `${topic}: acknowledged ${count}`)
  log(`${topic} (${how}): ${N} sent, per partition ${count}`)

  const offsets = await admin.fetchTopicOffsets(topic)
  check(offsets.length === PARTITIONS, `${topic}: fetchTopicOffsets: ${JSON.stringify(offsets)}`)
  for (const o of offsets) {
    check(o.low === '0' && o.high === String(count[o.partition]) && o.offset === o.high,
      `${topic} [${o.partition}]: fetchTopicOffsets ${JSON.stringify(o)}`)
  }
  // Partition p holds messages p, p+3, ... with timestamps base+i: the first
  // offset at or after T; past the end kafkajs reports the high watermark.
  for (const t of [base - 5, base + 500, base + 777, base + N + 10000]) {
    for (const o of await admin.fetchTopicOffsetsByTimestamp(topic, t)) {
      const p = o.partition
      let want = count[p]
      for (let off = 0; off < count[p]; off++) {
        if (base + off * PARTITIONS + p >= t) { want = off; break }
      }
      check(o.offset === String(want), `${topic} [${p}]: offset for time base${t - base >= 0 ? '+' : ''}${t - base}: ${o.offset}, want ${want}`)
    }
  }
  log(`${topic}: fetchTopicOffsets and fetchTopicOffsetsByTimestamp match`)

  for (let p = 0; p < PARTITIONS; p++) {
    const recs = await fetchAll(cluster, topic, p)
    check(recs.length === count[p], `${topic} [${p}]: fetched ${recs.length} of ${count[p]}`)
    recs.forEach((r, off) => compare(topic, messages[off * PARTITIONS + p], r))
  }
  log(`${topic}: Fetch of all ${N}: keys/values/headers/timestamps/offsets match`)
}

async function gzip(producer, cluster) {
  const topic = 'kjs-z-gzip'
  const base = Date.now()
  const messages = []
  for (let i = 0; i < 300; i++) {
    messages.push({
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`gzip compressible value ${i % 10} `.repeat(20)),
      headers: { codec: Buffer.from('gzip') },
      timestamp: String(base + i),
      partition: 0,
    })
  }
  const res = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages })
  check(res.length === 1 && res[0].baseOffset === '0', `${topic}: ${JSON.stringify(res)}`)
  const recs = await fetchAll(cluster, topic, 0)
  check(recs.length === 300, `${topic}: fetched ${recs.length} of 300`)
  recs.forEach((r, off) => compare(topic, messages[off], r))
  log(`${topic}: 300 messages produced with gzip and read back`)
}

async function oversize(producer) {
  const topic = 'kjs-big'
  log(`${topic}: sending 2 MiB; kafkajs logs the refusal as ERROR lines (expected)`)
  const start = Date.now()
  let err = null
  try {
    await producer.send({ topic, acks: -1, messages: [{ value: Buffer.alloc(2 << 20, 120), partition: 0 }] })
  } catch (e) {
    err = e
  }
  check(err, `${topic}: 2 MiB message accepted though max.message.bytes=1048588`)
  const types = []
  for (let e = err; e; e = e.cause || e.originalError) types.push(e.type || e.name)
  check(types.includes('MESSAGE_TOO_LARGE'), `${topic}: 2 MiB message: ${types.join(' <- ')}: ${err.message}`)
  log(`${topic}: 2 MiB message refused in ${(Date.now() - start) / 1000} s: ${err.message}`)
  const res = await producer.send({ topic, acks: -1, messages: [{ value: 'small', partition: 0 }] })
  check(res[0].baseOffset === '0', `${topic}: small message after the refused one: ${JSON.stringify(res)}`)
}

async function longPoll(admin, producer, cluster) {
  const topic = 'kjs-lp'
  await createTopic(admin, topic)
  await producer.send({ topic, acks: -1, messages: [{ value: 'p2', partition: 2 }] }) // auto-create
  // An empty partition: the broker holds the Fetch for maxWaitTime, then
  // answers with no records and error 0.
  const [held, part] = await fetchOnce(cluster, topic, 0, 0, 1000)
  check(part.messages.length === 0 && part.highWatermark === '0', `${topic} [0]: ${JSON.stringify(part)}`)
  check(held >= 800 && held <= 4000, `${topic} [0]: empty Fetch with maxWaitTime 1000 answered after ${held} ms`)
  log(`${topic}: empty Fetch with maxWaitTime 1000 answered after ${held} ms`)
  // A message produced while a 10 s Fetch is parked ends the wait.
  const pending = fetchOnce(cluster, topic, 1, 0, 10000)
  await sleep(300)
  const producedAt = Date.now()
  await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'while you wait', partition: 1 }] })
  const [, got] = await pending
  const waited = Date.now() - producedAt
  check(got.messages.length === 1 && got.messages[0].value.toString() === 'while you wait',
    `${topic} [1]: parked Fetch returned ${got.messages.length} records`)
  check(waited < 5000, `${topic} [1]: message arrived ${waited} ms after produce (the parked Fetch was not woken; wait was 10 s)`)
  log(`${topic}: message produced during a 10 s Fetch arrived after ${waited} ms`)
}

// A consumer group on kjs-main: the first member reads every message and
// commits as it goes; the committed offsets are the log end; a second member
// of the group resumes there and gets exactly the 10 messages produced after;
// then the admin client describes and deletes the (empty) group.
async function consumerGroup(admin, producer) {
  const topic = 'kjs-main'
  const groupId = 'kjs-group'
  const conf = { groupId, sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 10000, maxWaitTimeInMs: 500 }
  const consumeUntil = async (want, fromBeginning) => {
    const consumer = kafka.consumer(conf)
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning })
    const seen = []
    await consumer.run({ eachMessage: async ({ partition, message }) => { seen.push(`${partition}:${message.offset}`) } })
    const deadline = Date.now() + 30000
    while (seen.length < want && Date.now() < deadline) await sleep(100)
    await sleep(500) // anything beyond `want` would show up here
    await consumer.disconnect() // commits, then LeaveGroup
    return seen
  }
  const first = await consumeUntil(N, true)
  check(first.length === N && new Set(first).size === N, `${groupId}: first member got ${first.length} of ${N}`)
  const ends = await admin.fetchTopicOffsets(topic)
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] })
  for (const { partition, offset } of committed[0].partitions) {
    const end = ends.find(e => e.partition === partition).high
    check(offset === end, `${groupId} [${partition}]: committed ${offset}, log end ${end}`)
  }
  log(`${groupId}: first member read ${N}, committed offsets = log end`)
  const extra = []
  for (let i = 0; i < 10; i++) extra.push({ value: Buffer.from(`late ${i}`), partition: i % PARTITIONS })
  await producer.send({ topic, acks: -1, messages: extra })
  const second = await consumeUntil(10, true)
  check(second.length === 10, `${groupId}: second member got ${second.length}, want the 10 new ones`)
  const desc = await admin.describeGroups([groupId])
  check(desc.groups[0].state === 'Empty' && desc.groups[0].members.length === 0,
    `${groupId}: describeGroups ${JSON.stringify(desc.groups[0])}`)
  await admin.deleteGroups([groupId])
  const after = await admin.fetchOffsets({ groupId, topics: [topic] })
  check(after[0].partitions.every(p => p.offset === '-1'), `${groupId}: offsets after deleteGroups ${JSON.stringify(after)}`)
  log(`${groupId}: second member resumed with exactly the 10 new messages; group described and deleted`)
}

async function main() {
  check(ADDR, 'usage: node test.js HOST:PORT')
  setTimeout(() => fail('did not finish in 100 s'), 100000).unref()
  const admin = kafka.admin()
  await admin.connect()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  const cluster = await rawCluster()
  await mainTopic(admin, producer, cluster)
  await gzip(producer, cluster)
  await oversize(producer)
  await longPoll(admin, producer, cluster)
  await consumerGroup(admin, producer)
  await Promise.all([admin.disconnect(), producer.disconnect(), cluster.disconnect()])
  log('all checks passed')
}

main().catch(e => fail(`${e.name}: ${e.message}\n${e.stack}`))
