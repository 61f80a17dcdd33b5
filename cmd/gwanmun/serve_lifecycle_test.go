package main

import "testing"

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
