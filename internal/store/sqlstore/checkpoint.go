package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"sync/atomic"
	"time"
)

// On an SQLite file, the write-ahead log is copied back into the database
// file (a checkpoint) by a goroutine of its own, on a reader connection,
// instead of by SQLite's automatic checkpoint, which runs inside the
// commit that crosses 1 000 pages of log: there it stalled every
// transaction of the batch being committed (about a tenth of the writer's
// time under login load). A passive checkpoint never waits for the writer
// or the readers; what it cannot copy yet, the next one does.

//
// A checkpoint copies the log but does not shorten it: SQLite starts the
// log over only when a write transaction begins with every frame copied
// back, and under a steady stream of writes that moment never comes (the
// writer always begins right after its last commit, whose frames no
// checkpoint has copied yet). The log file then grew without end: 1.2 GB
// after a minute of login load on a 24 MB database. So when a checkpoint
// finds the log longer than walRestartFrames, the checkpointer takes the
// writer connection between two of its transactions and checkpoints in
// RESTART mode (a few milliseconds), after which the next write begins
// the log from its start; the writer's journal_size_limit cuts a larger
// file down then.

// checkpointEvery is how often the log is copied back.
const checkpointEvery = 250 * time.Millisecond

// walRestartFrames is the log length (in pages) beyond which the
// checkpointer starts the log over: 32 MB of 4 KB pages.
const walRestartFrames = 8192

type checkpointer struct {
	quit chan struct{}
	wg   sync.WaitGroup
	once sync.Once
	// restarts counts the times the log was started over.
	restarts atomic.Int64
}

// startCheckpointer checkpoints db's log every interval through a reader
// connection, and starts the log over through wdb, the writer, when it
// is longer than limit frames.
func startCheckpointer(db, wdb *sql.DB, every time.Duration, limit int) *checkpointer {
	c := &checkpointer{quit: make(chan struct{})}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				// Errors (a busy database, say) are left to the next tick.
				var busy, frames, copied int
				err := db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
				if err == nil && frames > limit && c.restart(wdb) {
					c.restarts.Add(1)
				}
			case <-c.quit:
				return
			}
		}
	}()
	return c
}

// restart checkpoints in RESTART mode on the writer connection, which it
// holds meanwhile, waiting at most restartWait for readers still using
// the log (SQLite's busy handler sleeps in growing steps; a long wait
// would hold up every write); it reports whether the log was copied in
// full, so that the next write starts it over.
func (c *checkpointer) restart(wdb *sql.DB) bool {
	ctx := context.Background()
	conn, err := wdb.Conn(ctx)
	if err != nil {
		return false
	}
	defer conn.Close()
	var busy, frames, copied int
	_, err = conn.ExecContext(ctx, "PRAGMA busy_timeout = "+restartWaitMS)
	if err == nil {
		err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &frames, &copied)
	}
	if _, rerr := conn.ExecContext(ctx, resetBusyTimeout); rerr != nil {
		// The writer would keep the short wait and fail writes that a
		// reader holds up for more than a few milliseconds: the pool
		// drops the connection instead and opens a new one, with the
		// connection string's settings.
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return err == nil && busy == 0
}

// resetBusyTimeout gives the writer its usual wait back after a restart
// (a variable so that a test can make it fail).
var resetBusyTimeout = "PRAGMA busy_timeout = " + busyTimeoutMS

// restartWaitMS bounds the wait of a RESTART checkpoint for readers.
const restartWaitMS = "5"

func (c *checkpointer) stop() {
	c.once.Do(func() { close(c.quit) })
	c.wg.Wait()
}
