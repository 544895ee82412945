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
}

// CreateImportJob stores an uploaded file.
func (db *DB) CreateImportJob(ctx context.Context, j *ImportJob) error {
	j.ID, j.Status, j.CreatedAt = 0, ImportUploaded, db.now().UTC()
	_, err := db.rw.NewInsert().Model(j).Returning("id").Exec(ctx)
	return err
}

// ImportJob returns one of the organisation's imports, with its file when
// withContent is set.
func (db *DB) ImportJob(ctx context.Context, orgID, id int64, withContent bool) (*ImportJob, error) {
	j := new(ImportJob)
	q := db.ro.NewSelect().Model(j).Where("org_id = ? AND id = ?", orgID, id)
	if !withContent {
		q.ExcludeColumn("content")
	}
	err := q.Scan(ctx)
	return j, notFound(err, "import")
}

// ImportJobs lists the organisation's recent imports, newest first: those
// userID uploaded, when it is set.
func (db *DB) ImportJobs(ctx context.Context, orgID, userID int64, limit int) ([]ImportJob, error) {
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
func (db *DB) SaveImportSettings(ctx context.Context, orgID, id int64, settings string) error {
	if _, err := db.ImportJob(ctx, orgID, id, false); err != nil {
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
func (db *DB) StartImportJob(ctx context.Context, orgID, id int64) error {
	if _, err := db.ImportJob(ctx, orgID, id, false); err != nil {
		return err
	}
	res, err := db.rw.NewUpdate().Table("imports").Set("status = ?, started_at = ?", ImportRunning, db.now().UTC()).
		Where("org_id = ? AND id = ? AND status = ?", orgID, id, ImportUploaded).Exec(ctx)
	if err := affected(res, err, "import"); err != nil {
		return rapport.Errorf(rapport.ECONFLICT, "This import has already started.")
	}
	return nil
}

// FinishImportJob records how an import ended: its report, or why it failed.
func (db *DB) FinishImportJob(ctx context.Context, orgID, id int64, report, failure string) error {
	status := ImportDone
	if failure != "" {
		status = ImportFailed
	}
	_, err := db.rw.NewUpdate().Table("imports").Set("status = ?, report = ?, error = ?, finished_at = ?", status, report, failure, db.now().UTC()).
		Where("org_id = ? AND id = ?", orgID, id).Exec(ctx)
	return err
}

// FailInterruptedImports marks imports left running by a stopped server as
// failed: their transaction died with the process, so nothing of them was
// written.
func (db *DB) FailInterruptedImports(ctx context.Context) (int64, error) {
	res, err := db.rw.NewUpdate().Table("imports").
		Set("status = ?, error = ?, finished_at = ?", ImportFailed, "The server stopped during the import; nothing was imported. Start it again.", db.now().UTC()).
		Where("status = ?", ImportRunning).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
