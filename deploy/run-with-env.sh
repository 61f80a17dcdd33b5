#!/bin/bash
# Runs a command with the variables of a systemd EnvironmentFile (KEY=value
# lines; '#' comments), as deploy/gwanmun.service would, for trying the
# configuration without systemd and for the operator's commands:
#   deploy/run-with-env.sh /etc/gwanmun/gwanmun.env gwanmun serve
#   deploy/run-with-env.sh /etc/gwanmun/gwanmun.env gwanmun backup --out x.backup
set -euo pipefail
envfile=$1; shift
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  export "$line"
done < "$envfile"
exec "$@"
