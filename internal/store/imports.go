package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Import statuses.
const (
	ImportUploaded = "uploaded"
	ImportRunning  = "running"
	ImportDone     = "done"
	ImportFailed   = "failed"
)

// ImportJob is an uploaded file and what became of importing it. Settings
// and Report are JSON the importer owns.
type ImportJob struct {
	bun.BaseModel `bun:"table:imports"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	UserID        int64     `bun:"user_id"`
	FileName      string    `bun:"file_name"`
	Format        string    `bun:"format"`
	Content       []byte    `bun:"content"`
	Settings      string    `bun:"settings"`
	Status        string    `bun:"status"`
	Report        string    `bun:"report"`
	Error         string    `bun:"error"`
	CreatedAt     time.Time `bun:"created_at"`
	StartedAt     time.Time `bun:"started_at,nullzero"`
	FinishedAt    time.Time `bun:"finished_at,nullzero"`
	// HeartbeatAt is when the server running the import last said so.
	HeartbeatAt time.Time `bun:"heartbeat_at,nullzero"`
	// Attempts counts the runs servers started: 1 when its user starts
	// it, one more each time a server takes it over from one that
	// stopped. A run writes only while the count is still its own.
	Attempts int `bun:"attempts"`
}

// A server running an import beats every ImportHeartbeat; an import whose
// heartbeat stopped for ImportStale is taken for interrupted by any server.
// Twelve beats missed in a row is no hiccup: the server is gone, or cut
// off from the database (where its import cannot commit either). Servers
// sharing a database take such an import over and run it again from the
// start, up to MaxImportAttempts runs in all.
const (
	ImportHeartbeat   = 5 * time.Second
	ImportStale       = time.Minute
	MaxImportAttempts = 3
)

// interruptedImport is what a failed import says when its server stopped.
const interruptedImport = "The server stopped during the import; nothing was imported. Start it again."

// ErrImportTakenOver is what a run of an import gets when it tries to
// write after another server took the import over from it (or gave it up):
// it writes nothing, and the other run's outcome stands.
var ErrImportTakenOver = errors.New("the import was taken over by another server")

// abandonedImport is what an import says when servers stopped during every
// one of its runs: the file itself may be what brings them down.
var abandonedImport = fmt.Sprintf("The servers running this import stopped %d times before it ended; nothing was imported. "+
	"Start it again, or split the file into smaller ones.", MaxImportAttempts)

// CreateImportJob stores an uploaded file.
func (db *DB) CreateImportJob(ctx context.Context, act rapport.Actor, j *ImportJob) error {
	j.OrgID = act.Org
	if j.UserID == 0 {
		j.UserID = act.User
	}
	j.ID, j.Status, j.CreatedAt = 0, ImportUploaded, db.now().UTC()
	_, err := db.rw.NewInsert().Model(j).Returning("id").Exec(ctx)
	return err
}

// ImportJob returns one of the organisation's imports, with its file when
// withContent is set.
func (db *DB) ImportJob(ctx context.Context, act rapport.Actor, id int64, withContent bool) (*ImportJob, error) {
	orgID := act.Org
	j := new(ImportJob)
	q := db.ro.NewSelect().Model(j).Where("org_id = ? AND id = ?", orgID, id)
	if !withContent {
		q.ExcludeColumn("content")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, notFound(err, "import")
	}
	if !act.SeesImport(j.UserID) {
		return nil, rapport.NotFound("import")
	}
	return j, nil
}

// ImportJobs lists the organisation's recent imports, newest first: those
// userID uploaded, when it is set.
func (db *DB) ImportJobs(ctx context.Context, act rapport.Actor, limit int) ([]ImportJob, error) {
	orgID, userID := act.Org, act.Only
	var js []ImportJob
	q := db.ro.NewSelect().Model(&js).ExcludeColumn("content").Where("org_id = ?", orgID)
	if userID != 0 {
		q.Where("user_id = ?", userID)
	}
	err := q.OrderExpr("id DESC").Limit(int64(max(limit, 1))).Scan(ctx)
	return js, err
}

// SaveImportSettings stores the mapping and options chosen for an import
// not yet started.
func (db *DB) SaveImportSettings(ctx context.Context, act rapport.Actor, id int64, settings string) error {
	orgID := act.Org
	if _, err := db.ImportJob(ctx, rapport.Actor{Org: orgID}, id, false); err != nil {
		return err
	}
	res, err := db.rw.NewUpdate().Table("imports").Set("settings = ?", settings).
		Where("org_id = ? AND id = ? AND status = ?", orgID, id, ImportUploaded).Exec(ctx)
	if err := affected(res, err, "import"); err != nil {
		return rapport.Errorf(rapport.ECONFLICT, "This import has already started.")
	}
	return nil
}

// StartImportJob marks an uploaded import running, as its first run;
// only one start wins. It updates j, which must be the import's.
func (db *DB) StartImportJob(ctx context.Context, act rapport.Actor, j *ImportJob) error {
	orgID := act.Org
	if _, err := db.ImportJob(ctx, rapport.Actor{Org: orgID}, j.ID, false); err != nil {
		return err
	}
	now := db.now().UTC()
	res, err := db.rw.NewUpdate().Table("imports").Set("status = ?, started_at = ?, heartbeat_at = ?, attempts = 1", ImportRunning, now, now).
		Where("org_id = ? AND id = ? AND status = ?", orgID, j.ID, ImportUploaded).Exec(ctx)
	if err := affected(res, err, "import"); err != nil {
		return rapport.Errorf(rapport.ECONFLICT, "This import has already started.")
	}
	j.Status, j.StartedAt, j.HeartbeatAt, j.Attempts = ImportRunning, now, now, 1
	return nil
}

// FinishImportJob records how a run of an import ended: its report, or
// why it failed. A run that was taken over or given up records nothing
// and gets ErrImportTakenOver.
func (db *DB) FinishImportJob(ctx context.Context, act rapport.Actor, j *ImportJob, report string, failure string) error {
	orgID := act.Org
	status := ImportDone
	if failure != "" {
		status = ImportFailed
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		// A successful run marked its import done as it committed (see
		// ImportOptions.Job); a failed one left it running.
		res, err := tx.NewUpdate().Table("imports").Set("status = ?, report = ?, error = ?, finished_at = ?", status, report, failure, db.now().UTC()).
			Where("org_id = ? AND id = ? AND attempts = ? AND status IN (?)", orgID, j.ID, j.Attempts, bun.In([]string{ImportRunning, ImportDone})).Exec(ctx)
		if err := runUpdated(res, err); err != nil {
			return err
		}
		return db.webhook(ctx, tx, orgID, rapport.EventImportFinished, 0, j.ID)
	})
}

// holdImport, inside the transaction of a run of import j, marks it done
// with that transaction, or fails with ErrImportTakenOver when the run is
// no longer the import's. The row stays locked until the commit, so that
// no server takes over an import whose people are being committed, and
// an import whose people were committed can never run again.
func (db *DB) holdImport(ctx context.Context, tx bun.Tx, orgID int64, j *ImportJob) error {
	now := db.now().UTC()
	res, err := tx.NewUpdate().Table("imports").Set("status = ?, finished_at = ?, heartbeat_at = ?", ImportDone, now, now).
		Where("org_id = ? AND id = ? AND status = ? AND attempts = ?", orgID, j.ID, ImportRunning, j.Attempts).Exec(ctx)
	return runUpdated(res, err)
}

// runUpdated is the outcome of a statement that updates an import for one
// of its runs: ErrImportTakenOver when the run is no longer the import's.
func runUpdated(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrImportTakenOver
	}
	return nil
}

// BeatImport says that this server is still running its run of the
// import. It reports false when the run is no longer the import's: taken
// over by another server that took this one for gone, or given up.
func (db *DB) BeatImport(ctx context.Context, act rapport.Actor, j *ImportJob) (bool, error) {
	orgID := act.Org
	res, err := db.rw.NewUpdate().Table("imports").Set("heartbeat_at = ?", db.now().UTC()).
		Where("org_id = ? AND id = ? AND attempts = ? AND status <> ?", orgID, j.ID, j.Attempts, ImportFailed).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// KeepImportAlive beats for the run of import j every interval until stop
// is called. On SQLite it does nothing: the import holds the only write
// connection from start to end, so a beat could only wait behind it, and
// a SQLite file has one server (Options.Exclusive), which fails every
// running import when it starts, none while it runs.
func (db *DB) KeepImportAlive(act rapport.Actor, j *ImportJob, every time.Duration) (stop func()) {
	if db.oneWriter() {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			running, err := db.BeatImport(ctx, act, j)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				db.log.Warn("import heartbeat", "import", j.ID, "err", err)
			case !running:
				// Its transaction will find out when it tries to commit.
				db.log.Warn("import taken over by another server while still running here; this run will write nothing", "import", j.ID, "attempt", j.Attempts)
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}

// FailInterruptedImports marks failed, as a SQLite server starts, the
// imports whose server stopped: their transaction died with it, so
// nothing of them was written. The sole server of a SQLite file
// (Options.Exclusive) knows every running import to be a dead server's;
// a process beside it fails only those whose heartbeat has been silent
// for ImportStale. Servers sharing a PostgreSQL database fail none: a
// live one takes them over (WatchImports).
func (db *DB) FailInterruptedImports(ctx context.Context) (int64, error) {
	if !db.oneWriter() {
		return 0, nil
	}
	now := db.now().UTC()
	q := db.rw.NewUpdate().Table("imports").
		Set("status = ?, error = ?, finished_at = ?", ImportFailed, interruptedImport, now).
		Where("status = ?", ImportRunning)
	if db.lock == nil {
		q.Where("COALESCE(heartbeat_at, started_at, created_at) < ?", now.Add(-ImportStale))
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// TakeOverImport claims, for this server, one import whose server stopped
// (its heartbeat silent for ImportStale) and hands it, with its file, to
// run, which runs it again from the start: the stopped server's
// transaction died with it and wrote nothing. The claim is one statement
// that counts the new run, so that of servers claiming together one wins;
// an import whose runs all stopped their server is failed instead, the
// file being the likely cause. It reports whether it took one over.
func (db *DB) TakeOverImport(ctx context.Context, run func(*ImportJob)) (bool, error) {
	if err := db.abandonImports(ctx); err != nil {
		return false, err
	}
	now := db.now().UTC()
	stale := db.skipLocked(db.rw.NewSelect().Table("imports").Column("id").
		Where("status = ? AND attempts < ?", ImportRunning, MaxImportAttempts).
		Where("COALESCE(heartbeat_at, started_at, created_at) < ?", now.Add(-ImportStale)).
		OrderExpr("id").Limit(1))
	var js []ImportJob
	if err := db.rw.NewUpdate().Table("imports").Set("attempts = attempts + 1, heartbeat_at = ?", now).
		Where("id = (?)", stale).Returning("*").Scan(ctx, &js); err != nil {
		return false, err
	}
	if len(js) == 0 {
		return false, nil
	}
	j := &js[0]
	db.log.Warn("took over an import whose server stopped; running it again from the start", "import", j.ID, "attempt", j.Attempts)
	run(j)
	return true, nil
}

// abandonImports fails the imports whose every run stopped its server, and
// tells the organisations' webhooks.
func (db *DB) abandonImports(ctx context.Context) error {
	now := db.now().UTC()
	return db.tx(ctx, func(tx bun.Tx) error {
		var js []ImportJob
		if err := tx.NewUpdate().Table("imports").Set("status = ?, error = ?, finished_at = ?", ImportFailed, abandonedImport, now).
			Where("status = ? AND attempts >= ?", ImportRunning, MaxImportAttempts).
			Where("COALESCE(heartbeat_at, started_at, created_at) < ?", now.Add(-ImportStale)).
			Returning("id, org_id").Scan(ctx, &js); err != nil {
			return err
		}
		for _, j := range js {
			db.log.Warn("gave up an import: its server stopped during every run", "import", j.ID, "runs", MaxImportAttempts)
			if err := db.webhook(ctx, tx, j.OrgID, rapport.EventImportFinished, 0, j.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// WatchImports takes over, every interval until ctx ends, the imports of
// servers that stopped, for servers sharing a PostgreSQL database: one
// that stops while the others run leaves imports that no start-up would
// see. run starts a taken-over import (in the background: the watch goes
// on). On SQLite there is no other server to stop, and this server's own
// imports cannot beat (see KeepImportAlive): it returns at once.
func (db *DB) WatchImports(ctx context.Context, every time.Duration, run func(*ImportJob)) {
	if db.oneWriter() {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		// One a round: a server that takes over several big imports at
		// once may stop for it too; the other servers share the rest.
		if _, err := db.TakeOverImport(ctx, run); err != nil && ctx.Err() == nil {
			db.log.Warn("take over interrupted imports", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
