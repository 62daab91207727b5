# Reload systemd so it sees greet-agent.service (if systemd runs here).
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload || true
fi
