package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRenewalFlags(t *testing.T) {
	f := lifecycleFlags{grantNoticeDays: "30, 7", grantNoticeDaysRole: "user-medical=14,3; admin-province=60"}
	c, err := f.renewal()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.NoticeDays) != 2 || c.NoticeDays[0] != 30 || c.NoticeDays[1] != 7 {
		t.Errorf("NoticeDays = %v", c.NoticeDays)
	}
	if d := c.RoleNoticeDays["user-medical"]; len(d) != 2 || d[0] != 14 || d[1] != 3 {
		t.Errorf("user-medical = %v", d)
	}
	if d := c.RoleNoticeDays["admin-province"]; len(d) != 1 || d[0] != 60 {
		t.Errorf("admin-province = %v", d)
	}
	for _, bad := range []lifecycleFlags{{grantNoticeDays: "30,x"}, {grantNoticeDays: "0"}, {grantNoticeDays: ","},
		{grantNoticeDays: "30", grantNoticeDaysRole: "user-medical"}, {grantNoticeDays: "30", grantNoticeDaysRole: "=3"}} {
		if _, err := bad.renewal(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestPrivacyPolicyFile(t *testing.T) {
	st, err := openStore(context.Background(), filepath.Join(t.TempDir(), "policy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	file := filepath.Join(t.TempDir(), "policy.txt")
	if err := os.WriteFile(file, []byte("개인정보 처리방침\r\n제1조\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := lifecycleFlags{privacyPolicyFile: file}
	for i, want := range []bool{true, false} {
		added, err := f.syncPolicy(context.Background(), st, time.Now())
		if err != nil || added != want {
			t.Fatalf("sync #%d = %v, %v; want %v", i, added, err, want)
		}
	}
	p, err := st.PrivacyPolicy(context.Background(), 0)
	if err != nil || p.Version != 1 || p.Text != "개인정보 처리방침\n제1조" || p.Source != "file" {
		t.Errorf("policy %+v, %v", p, err)
	}
	f.privacyPolicyFile = filepath.Join(t.TempDir(), "missing.txt")
	if _, err := f.syncPolicy(context.Background(), st, time.Now()); err == nil {
		t.Error("a missing file accepted")
	}
}
