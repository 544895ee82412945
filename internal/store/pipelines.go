package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// pipelinesTTL is how long Pipelines reuses what it read. Pipelines are
// set up with the organisation and rarely change, and nearly every page
// shows stages; another server's change shows here within the TTL.
const pipelinesTTL = 30 * time.Second

type cachedPipelines struct {
	ps     []rapport.Pipeline
	stages map[int64]*rapport.Stage // ps's stages by id
	at     time.Time
}

// Pipelines returns the organisation's pipelines with their stages in
// order, the caller's own copy.
func (db *DB) Pipelines(ctx context.Context, act rapport.Actor) ([]rapport.Pipeline, error) {
	c, err := db.keptPipelines(ctx, act.Org)
	if err != nil {
		return nil, err
	}
	return copyPipelines(c.ps), nil
}

// SharedPipelines is Pipelines without the copy, with their stages by id:
// kept between requests and shared by them, to read and never change (as
// the roster is). A page's pickers and badges need nothing else, and
// copying them was a few kB of every page.
func (db *DB) SharedPipelines(ctx context.Context, act rapport.Actor) ([]rapport.Pipeline, map[int64]*rapport.Stage, error) {
	c, err := db.keptPipelines(ctx, act.Org)
	if err != nil {
		return nil, nil, err
	}
	return c.ps, c.stages, nil
}

// keptPipelines is the organisation's pipelines as kept: shared, read
// only.
func (db *DB) keptPipelines(ctx context.Context, orgID int64) (*cachedPipelines, error) {
	now := db.now()
	if v, ok := db.pipelines.Load(orgID); ok && now.Sub(v.(*cachedPipelines).at) < pipelinesTTL {
		return v.(*cachedPipelines), nil
	}
	gen := db.forgets.Load() // before reading: see keep
	ps, err := db.readPipelines(ctx, orgID)
	if err != nil {
		return nil, err
	}
	c := &cachedPipelines{ps: ps, stages: Stages(ps), at: now}
	db.keep(&db.pipelines, orgID, c, gen)
	return c, nil
}

// stageIn returns a copy of the stage id of ps, or nil.
func stageIn(ps []rapport.Pipeline, id int64) *rapport.Stage {
	for i := range ps {
		for j := range ps[i].Stages {
			if ps[i].Stages[j].ID == id {
				st := ps[i].Stages[j]
				return &st
			}
		}
	}
	return nil
}

func copyPipelines(ps []rapport.Pipeline) []rapport.Pipeline {
	out := make([]rapport.Pipeline, len(ps))
	for i, p := range ps {
		out[i] = p
		out[i].Stages = append([]rapport.Stage(nil), p.Stages...)
	}
	return out
}

func (db *DB) readPipelines(ctx context.Context, orgID int64) ([]rapport.Pipeline, error) {
	var ps []rapport.Pipeline
	if err := db.ro.NewSelect().Model(&ps).Where("org_id = ?", orgID).Order("position", "id").Scan(ctx); err != nil {
		return nil, err
	}
	var stages []rapport.Stage
	if err := db.ro.NewSelect().Model(&stages).Where("org_id = ?", orgID).Order("pipeline_id", "position", "id").Scan(ctx); err != nil {
		return nil, err
	}
	for i := range ps {
		for _, s := range stages {
			if s.PipelineID == ps[i].ID {
				ps[i].Stages = append(ps[i].Stages, s)
			}
		}
	}
	return ps, nil
}

// Stages indexes pipelines' stages by id.
func Stages(ps []rapport.Pipeline) map[int64]*rapport.Stage {
	m := map[int64]*rapport.Stage{}
	for i := range ps {
		for j := range ps[i].Stages {
			m[ps[i].Stages[j].ID] = &ps[i].Stages[j]
		}
	}
	return m
}

// pipelineInfo is what the person write paths need to know about stages.
type pipelineInfo struct {
	byID   map[int64]*rapport.Stage
	kindOf map[int64]rapport.PipelineKind // pipeline id -> kind
	byKey  map[rapport.PipelineKind]map[string]*rapport.Stage
}

func (db *DB) pipelineInfo(ctx context.Context, q bun.IDB, orgID int64) (*pipelineInfo, error) {
	// Read inside most writes: bound, so the writer keeps the statements
	// (writerstmts.go).
	var ps []rapport.Pipeline
	b := &bound{}
	if err := db.readBoundOn(ctx, q, &ps, q.NewSelect().Model(&ps).Where("org_id = ?", b.v(orgID)).String(), b); err != nil {
		return nil, err
	}
	var stages []rapport.Stage
	b = &bound{}
	if err := db.readBoundOn(ctx, q, &stages, q.NewSelect().Model(&stages).Where("org_id = ?", b.v(orgID)).String(), b); err != nil {
		return nil, err
	}
	info := &pipelineInfo{byID: map[int64]*rapport.Stage{}, kindOf: map[int64]rapport.PipelineKind{},
		byKey: map[rapport.PipelineKind]map[string]*rapport.Stage{}}
	for _, p := range ps {
		info.kindOf[p.ID] = p.Kind
		info.byKey[p.Kind] = map[string]*rapport.Stage{}
	}
	for i := range stages {
		s := &stages[i]
		info.byID[s.ID] = s
		info.byKey[info.kindOf[s.PipelineID]][s.Key] = s
	}
	return info, nil
}

// check verifies that stageID (when set) is a stage of the pipeline that
// people of kind belong in.
func (pi *pipelineInfo) check(kind rapport.Kind, stageID int64) error {
	if stageID == 0 {
		return nil
	}
	s, ok := pi.byID[stageID]
	if !ok {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"stage": "Choose a stage from the list."}}
	}
	if pi.kindOf[s.PipelineID] != rapport.PipelineFor(kind) {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"stage": "That stage belongs to the other pipeline; choose one for a " + kind.Label() + "."}}
	}
	return nil
}

// initial returns the stage a new person of kind starts in, or 0.
func (pi *pipelineInfo) initial(kind rapport.Kind) int64 {
	key := rapport.InitialStage(kind)
	if s := pi.byKey[rapport.PipelineFor(kind)][key]; s != nil {
		return s.ID
	}
	return 0
}
