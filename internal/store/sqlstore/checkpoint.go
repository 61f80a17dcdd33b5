package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// On an SQLite file, the write-ahead log is copied back into the database
// file (a checkpoint) by a goroutine of its own, on a reader connection,
// instead of by SQLite's automatic checkpoint, which runs inside the
// commit that crosses 1 000 pages of log: there it stalled every
// transaction of the batch being committed (about a tenth of the writer's
// time under login load). A passive checkpoint never waits for the writer
// or the readers; what it cannot copy yet, the next one does.

// checkpointEvery is how often the log is copied back.
const checkpointEvery = 250 * time.Millisecond

type checkpointer struct {
	quit chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

func startCheckpointer(db *sql.DB, every time.Duration) *checkpointer {
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
				db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
			case <-c.quit:
				return
			}
		}
	}()
	return c
}

func (c *checkpointer) stop() {
	c.once.Do(func() { close(c.quit) })
	c.wg.Wait()
}
