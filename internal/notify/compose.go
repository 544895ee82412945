package notify

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// PushMessage is what a push alert shows on the device.
type PushMessage struct {
	Title, Body, URL, Tag string
	// Urgency is RFC 8030's: "high" for a new lead, "normal" otherwise.
	Urgency string
	TTL     time.Duration
}

// content is a message rendered for its channel.
type content struct {
	email *Email
	push  *PushMessage
	// skip says why nothing is sent (the promise was kept meanwhile).
	skip string
}

// view is what every template sees.
type view struct {
	Org      *rapport.Org
	User     *rapport.User
	Person   *rapport.Person
	FollowUp *rapport.FollowUp
	Link     string
	// Pond: the lead is in the pond, for any agent to claim.
	Pond      bool
	Agenda    []store.TodayItem
	Goal      rapport.WeekGoal
	Day       string
	ResetLink string
	Expires   string
	Unsub     string
	Settings  string
	Kind      rapport.AlertKind
	// Endpoint is the webhook endpoint that was disabled.
	Endpoint *rapport.WebhookEndpoint
}

// render builds the message m is, from what the database says now.
func (o *Outbox) render(ctx context.Context, m *store.Message, to *store.Recipient) (*content, error) {
	v := &view{Org: to.Org, User: to.User, Kind: m.Kind, Settings: o.BaseURL + "/settings#alert-choices"}
	if to.User.AlertToken != "" && m.Kind != rapport.AlertPasswordReset && m.Kind != rapport.AlertWebhookDisabled {
		v.Unsub = fmt.Sprintf("%s/unsubscribe/%s/%s", o.BaseURL, to.User.AlertToken, m.Kind)
	}
	sys := rapport.Actor{Org: m.OrgID}
	if m.PersonID != 0 {
		p, err := o.DB.Person(ctx, sys, m.PersonID)
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			return &content{skip: "the person is gone"}, nil
		} else if err != nil {
			return nil, err
		}
		v.Person, v.Link = p, fmt.Sprintf("%s/people/%d", o.BaseURL, p.ID)
	}
	var title, body, subject string
	urgency := "normal"
	switch m.Kind {
	case rapport.AlertNewLead, rapport.AlertReassigned:
		v.Pond = m.Data == "pond"
		if v.Pond {
			if v.Person.OwnerID != 0 {
				return &content{skip: "claimed before the alert went"}, nil
			}
			v.Link = o.BaseURL + "/today#pond"
			title, subject = "Up for grabs: "+v.Person.Name(), "A lead is up for grabs: "+v.Person.Name()
		} else if v.Person.OwnerID != m.UserID {
			return &content{skip: "no longer theirs"}, nil
		} else if m.Kind == rapport.AlertNewLead {
			title, subject = "New lead: "+v.Person.Name(), "New lead: "+v.Person.Name()+" — call now"
		} else {
			title, subject = "Yours now: "+v.Person.Name(), v.Person.Name()+" is yours now — call now"
		}
		body = leadLine(v.Person)
		urgency = "high"
	case rapport.AlertCameBack:
		if v.Person.OwnerID != m.UserID {
			return &content{skip: "no longer theirs"}, nil
		}
		v.Day = m.Data
		title, body = v.Person.Name()+" came back", m.Data
		subject = v.Person.Name() + " came back: " + m.Data
		urgency = "high"
	case rapport.AlertPromiseDue:
		f, err := o.DB.FollowUp(ctx, sys, m.RefID)
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			return &content{skip: "the promise is gone"}, nil
		} else if err != nil {
			return nil, err
		}
		if !f.Open() {
			return &content{skip: "the promise was kept or cancelled"}, nil
		}
		if !rapport.Member(to.Org, to.User).Sees(v.Person.OwnerID) && v.Person.OwnerID != to.User.ID {
			// A promise about someone they may not see (the organisation
			// keeps people to their owners) says nothing of them.
			return &content{skip: "about someone the recipient does not see"}, nil
		}
		v.FollowUp = f
		title = "Due now: " + f.Label() + " — " + v.Person.Name()
		subject = title
		body = f.Note
		if f.DueTime != "" {
			body = strings.TrimSpace("At " + f.DueTime + ". " + f.Note)
		}
	case rapport.AlertAgenda:
		act := rapport.Member(to.Org, to.User)
		now := o.now()
		items, err := o.DB.TodayList(ctx, act, now)
		if err != nil {
			return nil, err
		}
		goal, err := o.DB.WeekGoal(ctx, act, now)
		if err != nil {
			return nil, err
		}
		v.Agenda, v.Goal, v.Day, v.Link = items, goal, m.Data, o.BaseURL+"/today"
		subject = fmt.Sprintf("Today: %d people to talk to — %d of %d live conversations this week", len(items), goal.Done, goal.Target)
	case rapport.AlertPasswordReset:
		if m.Data == "" {
			return &content{skip: "the link was already sent"}, nil
		}
		v.ResetLink = o.BaseURL + "/reset/" + m.Data
		v.Expires = "an hour"
		subject = "Set your Rapport password"
	case rapport.AlertWebhookDisabled:
		t, err := o.DB.WebhookTarget(ctx, &store.Message{OrgID: m.OrgID, EndpointID: m.RefID})
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			return &content{skip: "the endpoint is gone"}, nil
		} else if err != nil {
			return nil, err
		}
		if !t.Endpoint.Disabled() || !t.Endpoint.DeletedAt.IsZero() {
			return &content{skip: "the endpoint was enabled again or deleted"}, nil
		}
		// The address's host only: its path or query may hold the
		// receiver's own token, and email may end in a log.
		t.Endpoint.Secret, t.Endpoint.URL = "", hostOf(t.Endpoint.URL)
		v.Endpoint, v.Link = &t.Endpoint, fmt.Sprintf("%s/settings/webhooks/%d", o.BaseURL, t.Endpoint.ID)
		subject = "Webhooks to " + t.Endpoint.URL + " stopped"
	default:
		return &content{skip: "unknown kind " + string(m.Kind)}, nil
	}
	if m.Channel == rapport.AlertPush {
		return &content{push: &PushMessage{Title: title, Body: body, URL: v.Link, Tag: fmt.Sprintf("%s-%d", m.Kind, m.PersonID),
			Urgency: urgency, TTL: 24 * time.Hour}}, nil
	}
	text, html, err := renderEmail(v)
	if err != nil {
		return nil, err
	}
	return &content{email: &Email{Secret: m.Kind == rapport.AlertPasswordReset, To: to.User.Email, ToName: to.User.DisplayName(), Subject: subject, Text: text, HTML: html,
		MessageID: fmt.Sprintf("%s.%d@rapport", strings.NewReplacer(":", ".").Replace(m.Key), m.OrgID), Unsubscribe: v.Unsub}}, nil
}

// leadLine is a lead in one line: how to reach them and where they came from.
func leadLine(p *rapport.Person) string {
	var parts []string
	if len(p.Phones) > 0 {
		parts = append(parts, p.Phones[0].Number)
	}
	if len(p.Emails) > 0 {
		parts = append(parts, p.Emails[0].Address)
	}
	if p.Source != "" {
		parts = append(parts, "from "+p.Source)
	}
	return strings.Join(parts, " · ")
}

func renderEmail(v *view) (text, html string, err error) {
	var t, h bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&t, string(v.Kind), v); err != nil {
		return "", "", err
	}
	if err := htmlTemplates.ExecuteTemplate(&h, string(v.Kind), v); err != nil {
		return "", "", err
	}
	return t.String(), h.String(), nil
}

var funcs = map[string]any{"leadLine": leadLine}

var textTemplates = texttemplate.Must(texttemplate.New("").Funcs(funcs).Parse(`
{{define "foot"}}
--
Rapport · {{.Org.Name}}{{if .Unsub}}
Stop these emails: {{.Unsub}}{{end}}
Choose your alerts: {{.Settings}}
{{end}}
{{define "new_lead"}}{{if .Pond}}A lead is up for grabs: nobody called them in time. The first to claim them has them.{{else}}A new lead is yours. The first to call usually wins them: call now.{{end}}

{{.Person.Name}}
{{leadLine .Person}}

Open: {{.Link}}
{{template "foot" .}}{{end}}
{{define "reassigned"}}{{.Person.Name}} is yours now. Nobody has reached them yet: call now.

{{leadLine .Person}}

Open: {{.Link}}
{{template "foot" .}}{{end}}
{{define "came_back"}}{{.Person.Name}}, whom you know, came back: {{.Day}}. Someone looking again is the best reason to call today.

{{leadLine .Person}}

Open: {{.Link}}
{{template "foot" .}}{{end}}
{{define "promise_due"}}Due now: {{.FollowUp.Label}} with {{.Person.Name}}{{if .FollowUp.DueTime}} at {{.FollowUp.DueTime}}{{end}}.
{{with .FollowUp.Note}}
{{.}}
{{end}}
Open: {{.Link}}
{{template "foot" .}}{{end}}
{{define "agenda"}}Good morning{{with .User.Name}}, {{.}}{{end}}. Your day, {{.Day}}.

This week: {{.Goal.Done}} of {{.Goal.Target}} live conversations{{if .Goal.Met}} — goal met{{else}}, {{.Goal.DaysLeft}} days left{{end}}.
{{if .Agenda}}
People to talk to today:
{{range .Agenda}}
- {{.Person.Name}}{{range .Reasons}} — {{.Text}}{{end}}{{end}}
{{else}}
Nobody is due today. A good day to call past clients and your sphere.
{{end}}
Open Today: {{.Link}}
{{template "foot" .}}{{end}}
{{define "webhook_disabled"}}Rapport stopped sending webhooks to {{.Endpoint.URL}}{{with .Endpoint.Description}} ({{.}}){{end}}:
{{.Endpoint.DisabledReason}}.

What was waiting when it stopped is kept as failed deliveries; events while it is disabled are not kept. When the receiver works again, enable the endpoint and send the failed deliveries again:
{{.Link}}
{{template "foot" .}}{{end}}
{{define "password_reset"}}Someone (we hope you) asked to set your Rapport password for {{.Org.Name}}.

Set it here, within {{.Expires}}; the link works once:
{{.ResetLink}}

If you did not ask, ignore this email: your password stays as it is.
{{end}}
`))

var htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(funcs).Parse(`
{{define "head"}}<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Rapport</title></head><body style="margin:0;padding:16px;font:16px/1.5 -apple-system,Segoe UI,Roboto,sans-serif;color:#1d2433;background:#f6f7f9"><div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:20px">{{end}}
{{define "button"}}<p style="margin:24px 0"><a href="{{.}}" style="display:inline-block;background:#1f5fbf;color:#fff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">Open in Rapport</a></p>{{end}}
{{define "foot"}}</div><p style="max-width:560px;margin:12px auto;font-size:13px;color:#5b6475">Rapport · {{.Org.Name}}{{if .Unsub}} · <a href="{{.Unsub}}" style="color:#5b6475">Stop these emails</a>{{end}} · <a href="{{.Settings}}" style="color:#5b6475">Choose your alerts</a></p></body></html>{{end}}
{{define "new_lead"}}{{template "head"}}<p>{{if .Pond}}A lead is up for grabs: nobody called them in time. The first to claim them has them.{{else}}A new lead is yours. The first to call usually wins them: <strong>call now</strong>.{{end}}</p><h1 style="font-size:22px;margin:8px 0">{{.Person.Name}}</h1><p>{{leadLine .Person}}</p>{{template "button" .Link}}{{template "foot" .}}{{end}}
{{define "reassigned"}}{{template "head"}}<h1 style="font-size:22px;margin:8px 0">{{.Person.Name}} is yours now</h1><p>Nobody has reached them yet: <strong>call now</strong>.</p><p>{{leadLine .Person}}</p>{{template "button" .Link}}{{template "foot" .}}{{end}}
{{define "came_back"}}{{template "head"}}<h1 style="font-size:22px;margin:8px 0">{{.Person.Name}} came back</h1><p>{{.Day}}. Someone looking again is the best reason to call today: <strong>call now</strong>.</p><p>{{leadLine .Person}}</p>{{template "button" .Link}}{{template "foot" .}}{{end}}
{{define "promise_due"}}{{template "head"}}<h1 style="font-size:22px;margin:8px 0">Due now: {{.FollowUp.Label}}</h1><p>With <strong>{{.Person.Name}}</strong>{{if .FollowUp.DueTime}} at {{.FollowUp.DueTime}}{{end}}.</p>{{with .FollowUp.Note}}<p>{{.}}</p>{{end}}{{template "button" .Link}}{{template "foot" .}}{{end}}
{{define "agenda"}}{{template "head"}}<p>Good morning{{with .User.Name}}, {{.}}{{end}}. Your day, {{.Day}}.</p><p style="font-size:18px"><strong>{{.Goal.Done}} of {{.Goal.Target}}</strong> live conversations this week{{if .Goal.Met}} — goal met{{else}}, {{.Goal.DaysLeft}} days left{{end}}.</p>{{if .Agenda}}<h2 style="font-size:18px">People to talk to today</h2><ul style="padding-left:20px">{{range .Agenda}}<li style="margin:6px 0"><strong>{{.Person.Name}}</strong>{{range .Reasons}} — {{.Text}}{{end}}</li>{{end}}</ul>{{else}}<p>Nobody is due today. A good day to call past clients and your sphere.</p>{{end}}{{template "button" .Link}}{{template "foot" .}}{{end}}
{{define "webhook_disabled"}}{{template "head"}}<h1 style="font-size:22px;margin:8px 0">Webhooks stopped</h1><p>Rapport stopped sending webhooks to <strong>{{.Endpoint.URL}}</strong>{{with .Endpoint.Description}} ({{.}}){{end}}: {{.Endpoint.DisabledReason}}.</p><p>What was waiting when it stopped is kept as failed deliveries; events while it is disabled are not kept. When the receiver works again, enable the endpoint and send the failed deliveries again.</p>{{template "button" .Link}}{{template "foot" .}}{{end}}
{{define "password_reset"}}{{template "head"}}<p>Someone (we hope you) asked to set your Rapport password for {{.Org.Name}}.</p>{{template "button" .ResetLink}}<p>The link works once, within {{.Expires}}. If you did not ask, ignore this email: your password stays as it is.</p></div></body></html>{{end}}
`))

// hostOf is an address's scheme and host.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return "the endpoint"
}
