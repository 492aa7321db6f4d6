package integration

import (
	"os"
	"strconv"
	"time"

	"github.com/samsa-broker/samsa/internal/benchreport"
)

// benchScenario is one scenario of the performance notes (S1-S6), scaled
// for this benchmark. prepare, if set, runs once per cluster before the
// measured runs (it is not measured); run is one measured run; limits are
// the physical limits its figures are compared with, from the probe taken
// just before.
type benchScenario struct {
	id, title, desc string
	prepare         func(r *benchRun)
	run             func(r *benchRun)
	limits          func(p benchreport.Probe) []benchLimit
}

type benchLimit struct {
	fig   benchreport.Figure
	limit benchreport.Limit
}

// Figure constructors. The scenario is filled in by benchRun.add and by
// the limits functions.
func higher(name, unit string, chart bool) benchreport.Figure {
	return benchreport.Figure{Name: name, Unit: unit, Better: benchreport.Higher, Chart: chart}
}

func lower(name, unit, group string, chart bool) benchreport.Figure {
	return benchreport.Figure{Name: name, Unit: unit, Better: benchreport.Lower, Group: group, Chart: chart}
}

func in(scenario string, f benchreport.Figure) benchreport.Figure {
	f.Scenario = scenario
	return f
}

// Units. The perf tools' "MB" are MiB (1024*1024 bytes of payload).
const (
	recordsPerSec = "records/s"
	mibPerSec     = "MiB/s"
)

func benchScenarios() []benchScenario {
	produceRate := higher("produce throughput", recordsPerSec, true)
	produceMiB := higher("produce payload throughput", mibPerSec, false)

	// smallRecords is S1 and S2: one unthrottled producer of 100 B records
	// into 6 partitions.
	smallRecords := func(n int, rf int16, configs map[string]string, props ...string) func(r *benchRun) {
		return func(r *benchRun) {
			topic := r.topic("", 6, rf, configs)
			f := r.produce(topic, r.e.n(n, 20000), 100, -1, props...)
			r.add(produceRate, f.recPerSec)
			r.add(produceMiB, f.mibPerSec)
			r.bytes = float64(f.records) * 100
		}
	}
	diskLimit := func(id string, rf float64) func(p benchreport.Probe) []benchLimit {
		return func(p benchreport.Probe) []benchLimit {
			basis := "dd oflag=direct"
			if rf > 1 {
				basis = "dd oflag=direct / 3 replicas"
			}
			return []benchLimit{{in(id, produceMiB), benchreport.Limit{Value: p.DiskMiBps / rf, Basis: basis}}}
		}
	}
	minISR2 := map[string]string{"min.insync.replicas": "2"}
	// S3 and S4 send batches of up to batch.size=1048576, above the
	// default max.message.bytes (1000012): with it the Java producer
	// would split every refused batch into batches of batch.size again,
	// forever. Their topics take a 1 MiB batch plus its 12-byte log
	// overhead.
	bigBatches := map[string]string{"min.insync.replicas": "2", "max.message.bytes": "1048588"}

	// S3 and S4 share a topology: 100 partitions, RF 3,
	// min.insync.replicas=2, 1 KiB records, two producers and two
	// consumers in one group.
	s3Produce := higher("produce throughput, 2 producers", mibPerSec, true)
	s3Consume := higher("consume throughput until caught up, 2 consumers", mibPerSec, false)
	s4Rate := envInt("SAMSA_BENCH_S4_RATE", 2500)

	// Figure names are unique per scenario; the group draws the
	// percentiles of one latency in one chart panel.
	e2eLatency := func(r *benchRun, group string, f e2eFigures) {
		r.add(lower("e2e p50", "ms", group, true), f.p50)
		r.add(lower("e2e p99", "ms", group, true), f.p99)
		r.add(lower("e2e p99.9", "ms", group, true), f.p999)
		r.add(lower("e2e average", "ms", "", false), f.avg)
	}
	rttLimit := func(id, group string, rtts float64, basis string) func(p benchreport.Probe) []benchLimit {
		return func(p benchreport.Probe) []benchLimit {
			return []benchLimit{{in(id, lower("e2e p50", "ms", group, true)), benchreport.Limit{Value: rtts * p.RTTp50us / 1000, Basis: basis}}}
		}
	}

	return []benchScenario{
		{
			id: "S1", title: "small-record producer, no replication (K1)",
			desc: "6 partitions, RF 1, 100 B records, one unthrottled producer: `kafka-producer-perf-test --record-size 100 " +
				"--throughput -1 --producer-props acks=1 batch.size=8196 buffer.memory=67108864`, 2,000,000 records x scale.",
			run:    smallRecords(2000000, 1, nil, "acks=1", "batch.size=8196", "buffer.memory=67108864"),
			limits: diskLimit("S1", 1),
		},
		{
			id: "S2a", title: "replication cost, acks=1 (K2)",
			desc:   "As S1 with RF 3, `acks=1 batch.size=8196`, 1,000,000 records x scale.",
			run:    smallRecords(1000000, 3, nil, "acks=1", "batch.size=8196", "buffer.memory=67108864"),
			limits: diskLimit("S2a", 3),
		},
		{
			id: "S2b", title: "replication cost, acks=all (K3)",
			desc:   "As S1 with RF 3, `min.insync.replicas=2`, `acks=all batch.size=64000`, 1,000,000 records x scale.",
			run:    smallRecords(1000000, 3, minISR2, "acks=all", "batch.size=64000", "buffer.memory=67108864"),
			limits: diskLimit("S2b", 3),
		},
		{
			id: "S3", title: "peak throughput, 1 KiB, RF 3 (C1)",
			desc: "1 topic, 100 partitions, RF 3, `min.insync.replicas=2 max.message.bytes=1048588` (a 1 MiB batch fits); two unthrottled producers (`acks=all batch.size=1048576 " +
				"linger.ms=10`, 1 KiB, 150,000 records each x scale) and two franz-go consumers in one group reading meanwhile. " +
				"Produce throughput is the sum of the producers' rates; consume throughput is all records over the time from the " +
				"start of producing until the consumers have read the last one.",
			run: func(r *benchRun) {
				topic := r.topic("", 100, 3, bigBatches)
				g := r.startGroupLoad(2, topic)
				defer g.stop()
				start := time.Now()
				figs := r.producers(2, topic, r.e.n(150000, 5000), 1024, -1, "acks=all", "batch.size=1048576", "linger.ms=10")
				var total int64
				var rate float64
				for _, f := range figs {
					total += f.records
					rate += f.mibPerSec
				}
				r.add(s3Produce, rate)
				if !g.waitFor(total, r.e.timeCap(60*time.Second)) {
					r.note("consumers read %d of %d records before the time cap", g.records.Load(), total)
				}
				if last := g.last.Load(); last > 0 {
					r.add(s3Consume, float64(g.bytes.Load())/(1<<20)/time.Unix(0, last).Sub(start).Seconds())
				}
				r.bytes = float64(total) * 1024
			},
			limits: func(p benchreport.Probe) []benchLimit {
				return []benchLimit{{in("S3", s3Produce), benchreport.Limit{Value: p.DiskMiBps / 3, Basis: "dd oflag=direct / 3 replicas"}}}
			},
		},
		{
			id: "S4", title: "latency under load, 1 KiB, RF 3 (C2)",
			desc: "The S3 topology at a fixed rate: two producers at " + strconv.Itoa(s4Rate) + " records/s each " +
				"(SAMSA_BENCH_S4_RATE; `acks=all linger.ms=1 batch.size=1048576`, 1 KiB) for 20 s x scale, two consumers reading, " +
				"and meanwhile the end-to-end latency tool (one 1 KiB message in flight, `acks=all`, 2,000 round trips x scale) " +
				"on a 1-partition RF 3 topic. Produce latency is the perf tool's (send to acknowledgement, whole ms, the worse of " +
				"the two producers); end-to-end latency is produce-acknowledge-consume of one message.",
			run: func(r *benchRun) {
				topic := r.topic("", 100, 3, bigBatches)
				e2eTopic := r.topic("-e2e", 1, 3, minISR2)
				g := r.startGroupLoad(2, topic)
				defer g.stop()
				secs := max(20*r.e.scale, 5)
				n := int(float64(s4Rate) * secs)
				// Start the load, let it settle, then measure end-to-end
				// latency while it runs.
				argv := r.producerArgv(topic, n, 1024, s4Rate, "acks=all", "linger.ms=1", "batch.size=1048576")
				load := make(chan producerResults, 1)
				go func() { load <- runProducers(2, argv, n, r.producerCap(time.Duration(2*secs)*time.Second)) }()
				time.Sleep(2 * time.Second)
				f, err := r.endToEndAsync(e2eTopic, r.e.n(2000, 300), "all", 1024)()
				figs := r.checkProducers(<-load, n)
				if err != nil {
					r.t.Fatal(err)
				}
				var worst producerFigures
				var rate float64
				for _, p := range figs {
					worst.p50, worst.p99, worst.p999 = max(worst.p50, p.p50), max(worst.p99, p.p99), max(worst.p999, p.p999)
					rate += p.mibPerSec
					r.bytes += float64(p.records) * 1024
				}
				r.add(lower("produce p50", "ms", "produce latency", true), worst.p50)
				r.add(lower("produce p99", "ms", "produce latency", true), worst.p99)
				r.add(lower("produce p99.9", "ms", "produce latency", true), worst.p999)
				e2eLatency(r, "end-to-end latency", f)
				r.add(higher("achieved produce throughput", mibPerSec, false), rate)
			},
			limits: rttLimit("S4", "end-to-end latency", 4, "4 loopback RTTs: produce, replica fetch, high watermark, consume"),
		},
		{
			id: "S5", title: "consumer throughput, hot page cache (K5)",
			desc: "6 partitions, RF 3, pre-loaded once per cluster with 1,000,000 x scale records of 100 B (not measured); " +
				"each run reads them all from the start with a new group: `kafka-consumer-perf-test --messages N " +
				"--fetch-size 1048576`. fetch.MB.sec excludes the group join, MB.sec includes it.",
			prepare: func(r *benchRun) {
				topic := r.topic("", 6, 3, nil)
				n := r.e.n(1000000, 20000)
				// Unmeasured, so no short cap; the runs read what it wrote.
				argv := r.producerArgv(topic, n, 100, -1, "acks=1", "batch.size=64000")
				r.c.preloaded = r.checkProducers(runProducers(1, argv, n, 10*time.Minute), n)[0].records
			},
			run: func(r *benchRun) {
				topic := r.e.newRun(r.sc, r.c, -1).name
				n := int(r.c.preloaded)
				f := r.consumePerf(topic, n, r.name+"-group")
				if f.fetchMiBPerSec > 0 {
					r.add(higher("fetch throughput (fetch.MB.sec)", mibPerSec, true), f.fetchMiBPerSec)
					r.add(higher("fetch rate (fetch.nMsg.sec)", recordsPerSec, true), f.fetchRecPerSec)
				} else {
					// Kafka 2.4.1's ConsumerPerformance measures its first
					// join from 0 (a Unix timestamp), so its fetch figures
					// come out zero or negative (docs/benchmarks.md).
					r.note("fetch.MB.sec is %v: not recorded (Kafka 2.4.1 ConsumerPerformance's rebalance.time.ms)", f.fetchMiBPerSec)
				}
				r.add(higher("throughput incl. group join (MB.sec)", mibPerSec, false), f.mibPerSec)
				r.bytes = f.mib * (1 << 20)
			},
			limits: func(p benchreport.Probe) []benchLimit {
				return []benchLimit{{in("S5", higher("fetch throughput (fetch.MB.sec)", mibPerSec, true)),
					benchreport.Limit{Value: p.LoopbackMiBs, Basis: "one loopback TCP stream"}}}
			},
		},
		{
			id: "S6", title: "single-message end-to-end latency, RF 3, acks=all (K7)",
			desc: "`kafka-run-class.sh kafka.tools.EndToEndLatency B T N all 100` on a 1-partition RF 3 topic, one 100 B message " +
				"in flight, 5,000 round trips x scale. Samsa's tool records every round trip, so the percentiles here have " +
				"sub-millisecond precision (the tool itself prints whole ms, as 2.4.1 does).",
			run: func(r *benchRun) {
				topic := r.topic("", 1, 3, nil)
				e2eLatency(r, "end-to-end latency", r.endToEnd(topic, r.e.n(5000, 300), "all", 100))
			},
			limits: rttLimit("S6", "end-to-end latency", 4, "4 loopback RTTs: produce, replica fetch, high watermark, consume"),
		},
		{
			id: "S6b", title: "single-message end-to-end latency, RF 1, acks=1",
			desc: "As S6 on a 1-partition RF 1 topic with `acks=1`, 2,000 round trips x scale.",
			run: func(r *benchRun) {
				topic := r.topic("", 1, 1, nil)
				e2eLatency(r, "end-to-end latency", r.endToEnd(topic, r.e.n(2000, 300), "1", 100))
			},
			limits: rttLimit("S6b", "end-to-end latency", 2, "2 loopback RTTs: produce, consume"),
		},
	}
}

// envInt reads a positive integer from the environment, def when unset or
// invalid.
func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil && n > 0 {
		return n
	}
	return def
}
