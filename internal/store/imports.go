package store

import (
	"context"
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
}

// A server running an import beats every ImportHeartbeat; an import whose
// heartbeat stopped for ImportStale is taken for interrupted by any server.
// Twelve beats missed in a row is no hiccup: the server is gone, or cut
// off from the database (where its import cannot commit either).
const (
	ImportHeartbeat = 5 * time.Second
	ImportStale     = time.Minute
)

// interruptedImport is what a failed import says when its server stopped.
const interruptedImport = "The server stopped during the import; nothing was imported. Start it again."

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

// StartImportJob marks an uploaded import running; only one start wins.
func (db *DB) StartImportJob(ctx context.Context, act rapport.Actor, id int64) error {
	orgID := act.Org
	if _, err := db.ImportJob(ctx, rapport.Actor{Org: orgID}, id, false); err != nil {
		return err
	}
	now := db.now().UTC()
	res, err := db.rw.NewUpdate().Table("imports").Set("status = ?, started_at = ?, heartbeat_at = ?", ImportRunning, now, now).
		Where("org_id = ? AND id = ? AND status = ?", orgID, id, ImportUploaded).Exec(ctx)
	if err := affected(res, err, "import"); err != nil {
		return rapport.Errorf(rapport.ECONFLICT, "This import has already started.")
	}
	return nil
}

// FinishImportJob records how an import ended: its report, or why it failed.
func (db *DB) FinishImportJob(ctx context.Context, act rapport.Actor, id int64, report string, failure string) error {
	orgID := act.Org
	status := ImportDone
	if failure != "" {
		status = ImportFailed
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewUpdate().Table("imports").Set("status = ?, report = ?, error = ?, finished_at = ?", status, report, failure, db.now().UTC()).
			Where("org_id = ? AND id = ?", orgID, id).Exec(ctx); err != nil {
			return err
		}
		return db.webhook(ctx, tx, orgID, rapport.EventImportFinished, 0, id)
	})
}

// BeatImport says that this server is still running the import. It
// reports false when the import is no longer running: finished, or failed
// by another server that took this one for gone.
func (db *DB) BeatImport(ctx context.Context, act rapport.Actor, id int64) (bool, error) {
	orgID := act.Org
	res, err := db.rw.NewUpdate().Table("imports").Set("heartbeat_at = ?", db.now().UTC()).
		Where("org_id = ? AND id = ? AND status = ?", orgID, id, ImportRunning).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// KeepImportAlive beats for the import every interval until stop is
// called. On SQLite it does nothing: the import holds the only write
// connection from start to end, so a beat could only wait behind it, and
// a SQLite file has one server (Options.Exclusive), which fails every
// running import when it starts, none while it runs.
func (db *DB) KeepImportAlive(act rapport.Actor, id int64, every time.Duration) (stop func()) {
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
			running, err := db.BeatImport(ctx, act, id)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				db.log.Warn("import heartbeat", "import", id, "err", err)
			case !running:
				// Its result is still recorded when it ends.
				db.log.Warn("import taken for interrupted by another server while still running here", "import", id)
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}

// FailInterruptedImports marks failed the imports whose server stopped:
// their transaction died with it, so nothing of them was written. The
// sole server of a SQLite file (Options.Exclusive) knows every running
// import to be a dead server's; otherwise an import is failed once its
// heartbeat has been silent for ImportStale, so that a server starting,
// or watching (WatchImports), leaves alone the imports other live servers
// sharing the database are running.
func (db *DB) FailInterruptedImports(ctx context.Context) (int64, error) {
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

// WatchImports fails interrupted imports every interval until ctx ends,
// for servers sharing a PostgreSQL database: one that stops while the
// others run leaves imports that no start-up would fail. On SQLite there
// is no other server to stop, and this server's own imports cannot beat
// (see KeepImportAlive): it returns at once.
func (db *DB) WatchImports(ctx context.Context, every time.Duration) {
	if db.oneWriter() {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := db.FailInterruptedImports(ctx); err != nil && ctx.Err() == nil {
			db.log.Warn("fail interrupted imports", "err", err)
		} else if n > 0 {
			db.log.Warn("imports whose server stopped answering were marked failed; nothing of them was written", "count", n)
		}
	}
}
