package rapport

import "testing"

func TestOrgVisibility(t *testing.T) {
	o := &Org{Name: "Acme", Slug: "acme"}
	o.Normalize()
	if o.Visibility != VisibilityAll || o.Validate() != nil {
		t.Fatalf("default visibility %q, %v", o.Visibility, o.Validate())
	}
	o.Visibility = " Own "
	o.Normalize()
	if o.Visibility != VisibilityOwn || o.Validate() != nil {
		t.Fatalf("visibility %q, %v", o.Visibility, o.Validate())
	}
	o.Visibility = "team"
	if fe, ok := o.Validate().(*Error); !ok || fe.Fields["visibility"] == "" {
		t.Fatalf("visibility %q accepted: %v", o.Visibility, o.Validate())
	}

	owner, manager, agent := &User{ID: 1, Role: RoleOwner}, &User{ID: 2, Role: RoleManager}, &User{ID: 3, Role: RoleAgent}
	for _, tc := range []struct {
		v       Visibility
		u       *User
		only    int64
		sees    []int64 // the owners (0: no one) of the people u sees
		notSees []int64 // and of those u does not
	}{
		{VisibilityAll, agent, 0, []int64{0, 1, 3, 4}, nil},
		{VisibilityOwn, owner, 0, []int64{0, 1, 3, 4}, nil},
		{VisibilityOwn, manager, 0, []int64{0, 1, 3, 4}, nil},
		{VisibilityOwn, agent, 3, []int64{3}, []int64{0, 1, 4}},
	} {
		o.Visibility = tc.v
		if got := o.OnlyOwner(tc.u); got != tc.only {
			t.Errorf("%s, %s: OnlyOwner = %d, want %d", tc.v, tc.u.Role, got, tc.only)
		}
		for _, id := range tc.sees {
			if !o.Sees(tc.u, id) {
				t.Errorf("%s, %s does not see a person owned by %d", tc.v, tc.u.Role, id)
			}
		}
		for _, id := range tc.notSees {
			if o.Sees(tc.u, id) {
				t.Errorf("%s, %s sees a person owned by %d", tc.v, tc.u.Role, id)
			}
		}
	}
}
