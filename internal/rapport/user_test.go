package rapport

import (
	"testing"
	"time"
)

// TestTeamRules: who may disable, re-enable and make reset links for
// whom, and who changes roles.
func TestTeamRules(t *testing.T) {
	owner := &User{ID: 1, OrgID: 1, Role: RoleOwner}
	owner2 := &User{ID: 2, OrgID: 1, Role: RoleOwner}
	manager := &User{ID: 3, OrgID: 1, Role: RoleManager}
	manager2 := &User{ID: 4, OrgID: 1, Role: RoleManager}
	agent := &User{ID: 5, OrgID: 1, Role: RoleAgent}
	agent2 := &User{ID: 6, OrgID: 1, Role: RoleAgent}
	elsewhere := &User{ID: 7, OrgID: 2, Role: RoleAgent}
	gone := &User{ID: 8, OrgID: 1, Role: RoleOwner, DisabledAt: time.Now()}
	for _, c := range []struct {
		by, of *User
		may    bool
	}{
		{owner, owner2, true}, {owner, manager, true}, {owner, agent, true}, {owner, owner, false},
		{manager, agent, true}, {manager, owner, false}, {manager, manager2, false}, {manager, manager, false},
		{agent, agent2, false}, {agent, agent, false},
		{owner, elsewhere, false}, {gone, agent, false},
	} {
		if got := c.by.CanManageMember(c.of); got != c.may {
			t.Errorf("%s %d manages %s %d: %v, want %v", c.by.Role, c.by.ID, c.of.Role, c.of.ID, got, c.may)
		}
	}
	for u, may := range map[*User]bool{owner: true, manager: false, agent: false, gone: false} {
		if u.CanChangeRoles() != may {
			t.Errorf("%s %d changes roles: %v", u.Role, u.ID, !may)
		}
	}
}
