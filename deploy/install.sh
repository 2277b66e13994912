#!/bin/bash
# Install or upgrade tuidang on one app machine, as root: docs/deploy.md explains every
# step. Run it again at any time: it keeps every key, file and role that exists, and
# brings the rest (directories, modes, catalogues, static files, units) up to date.
#
#   deploy/install.sh --host tuidang.example --db-admin-url postgres://postgres@db/postgres --primary
#
# --prefix installs into another root (a test's scratch directory): every path below is
# under it, and nothing is asked of systemd. tests/test_deploy_install.py runs it so.
set -euo pipefail
umask 022   # what nginx serves (static files, the log) must be readable by its user

usage() {
  cat <<'EOF'
deploy/install.sh [options]            (as root; the code in /opt/tuidang, or --app-dir)
  --host NAME            the public host name (required): server_name, ALLOWED_HOSTS, LOG_ORIGIN
  --origin ORIGIN        the log's origin and key name (default: HOST/log); never change it later
  --app-dir DIR          the code, with its .venv (default: /opt/tuidang)
  --prefix DIR           install below DIR instead of / (default: /); implies --no-systemd
  --user NAME            the service user and group (default: tuidang)
  --db-admin-url URL     a PostgreSQL superuser's URL: create the roles and the database
  --database-url URL     or: the application's database URL, made by you (no roles made)
  --db-host H --db-port P --db-name N --db-role R --db-owner O
                         where the database is and its names (127.0.0.1, 5432, tuidang,
                         tuidang, tuidang_owner)
  --records-public-key K the public half made offline (python -m tuidang.core.keygen records)
  --app-port P           granian's port (8000)
  --http-port P --https-port P --onion-port P    nginx's (80, 443, 8081)
  --listen-address A     nginx listens on A only (default: every address, IPv4 and IPv6)
  --redis-url URL        REDIS_URL (default redis://127.0.0.1:6379/0; "" for none)
  --certbot-email ADDR   ask Let's Encrypt for the certificate (webroot; needs DNS and port 80)
  --onion                add the onion service to tor (deploy/tor/torrc)
  --primary              this machine migrates and runs the site's timers (one machine only)
  --no-systemd           install the units but do not enable or start anything
EOF
}

PREFIX=/ APP_DIR=/opt/tuidang SERVICE_USER=tuidang HOST= ORIGIN=
DB_ADMIN_URL= DATABASE_URL_GIVEN= DB_HOST=127.0.0.1 DB_PORT=5432 DB_NAME=tuidang
DB_ROLE=tuidang DB_OWNER=tuidang_owner RECORDS_PUBLIC_KEY=
APP_PORT=8000 HTTP_PORT=80 HTTPS_PORT=443 ONION_PORT=8081 LISTEN_ADDRESS=
REDIS_URL=redis://127.0.0.1:6379/0 CERTBOT_EMAIL= ONION=no PRIMARY=no SYSTEMD=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --host) HOST=$2; shift ;;
    --origin) ORIGIN=$2; shift ;;
    --app-dir) APP_DIR=$2; shift ;;
    --prefix) PREFIX=$2; shift ;;
    --user) SERVICE_USER=$2; shift ;;
    --db-admin-url) DB_ADMIN_URL=$2; shift ;;
    --database-url) DATABASE_URL_GIVEN=$2; shift ;;
    --db-host) DB_HOST=$2; shift ;;
    --db-port) DB_PORT=$2; shift ;;
    --db-name) DB_NAME=$2; shift ;;
    --db-role) DB_ROLE=$2; shift ;;
    --db-owner) DB_OWNER=$2; shift ;;
    --records-public-key) RECORDS_PUBLIC_KEY=$2; shift ;;
    --app-port) APP_PORT=$2; shift ;;
    --http-port) HTTP_PORT=$2; shift ;;
    --https-port) HTTPS_PORT=$2; shift ;;
    --onion-port) ONION_PORT=$2; shift ;;
    --listen-address) LISTEN_ADDRESS=$2; shift ;;
    --redis-url) REDIS_URL=$2; shift ;;
    --certbot-email) CERTBOT_EMAIL=$2; shift ;;
    --onion) ONION=yes ;;
    --primary) PRIMARY=yes ;;
    --no-systemd) SYSTEMD=no ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$HOST" ] || { echo "--host is required" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
ORIGIN=${ORIGIN:-$HOST/log}
PREFIX=${PREFIX%/}
[ -z "$PREFIX" ] || SYSTEMD=no
APP_DIR=$(cd "$APP_DIR" && pwd)
ETC=$PREFIX/etc/tuidang VAR=$PREFIX/var/lib/tuidang BACKUPS=$PREFIX/var/backups/tuidang
PY=$APP_DIR/.venv/bin/python
say() { printf '== %s\n' "$*"; }

# 1. The service user: no shell, no home of its own, its group reads the keys.
step_user() {
  getent group "$SERVICE_USER" >/dev/null || groupadd --system "$SERVICE_USER"
  getent passwd "$SERVICE_USER" >/dev/null ||
    useradd --system --gid "$SERVICE_USER" --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin "$SERVICE_USER"
}

# 2. The code's virtualenv (made once; an upgrade brings new code and runs this again),
# and the message catalogues compiled: without them every page is in English.
step_code() {
  if [ ! -x "$PY" ]; then
    python3.11 -m venv "$APP_DIR/.venv"
    "$PY" -m pip install --quiet -r "$APP_DIR/requirements.txt" -c "$APP_DIR/constraints.txt"
    "$PY" -m pip install --quiet --no-deps -e "$APP_DIR"
  fi
  (cd "$APP_DIR" && "$PY" -m tuidang.core.compilemessages >/dev/null)
}

# 3. Directories, owners and modes. /var/lib/tuidang can be crossed but not listed by
# others (0711), so nginx's user reaches static/ and public/ (0755) and nothing else.
step_dirs() {
  install -d -o root -g "$SERVICE_USER" -m 0750 "$ETC"
  install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0711 "$VAR"
  install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0755 "$VAR/static" "$VAR/public" \
    "$VAR/public/log"
  install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0750 "$VAR/media"
  install -d -o root -g root -m 0755 "$VAR/acme"
  install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0700 "$BACKUPS"
}

keygen() { (cd "$APP_DIR" && "$PY" -m tuidang.core.keygen --if-missing "$@"); }

# 4. The keys, before any setting is read (python -m tuidang.core.keygen needs none):
# root's files that the service group may read (0640). Never overwritten: copy the
# shared ones from the first machine before running this on another (docs/deploy.md).
step_keys() {
  keygen --group "$SERVICE_USER" secret "$ETC/secret_key"
  keygen --group "$SERVICE_USER" secret "$ETC/receipt.key"
  keygen --group "$SERVICE_USER" log "$ETC/log-signing.key" --origin "$ORIGIN"
  if [ ! -e "$ETC/records.pub" ]; then
    if [ -n "$RECORDS_PUBLIC_KEY" ]; then
      printf '%s\n' "$RECORDS_PUBLIC_KEY" >"$ETC/records.pub"
      chown root:"$SERVICE_USER" "$ETC/records.pub" && chmod 0640 "$ETC/records.pub"
    else
      install -d -m 0700 "$PREFIX/root"
      keygen --group "$SERVICE_USER" records "$PREFIX/root/tuidang-records-private.key" \
        "$ETC/records.pub"
      echo "!! move $PREFIX/root/tuidang-records-private.key off this server now"
    fi
  fi
  if [ -z "$DATABASE_URL_GIVEN" ]; then
    keygen --group "$SERVICE_USER" secret "$ETC/database.password"
    keygen secret "$ETC/database-owner.password"
  fi
}

# 5. The environment file every unit reads, from deploy/tuidang.env.example; made once,
# then yours to edit (but for its DATABASE_URL, when this script made the roles). owner.env (root only) holds the owner role's URL for migrate and
# the restore drill, which systemd reads as root for them.
step_env() {
  local url owner_url
  if [ -n "$DATABASE_URL_GIVEN" ]; then
    url=$DATABASE_URL_GIVEN owner_url=$DATABASE_URL_GIVEN
  else
    url="postgres://$DB_ROLE:$(cat "$ETC/database.password")@$DB_HOST:$DB_PORT/$DB_NAME"
    owner_url="postgres://$DB_OWNER:$(cat "$ETC/database-owner.password")@$DB_HOST:$DB_PORT/$DB_NAME"
  fi
  if [ ! -e "$ETC/tuidang.env" ]; then
    sed -e "s|^DATABASE_URL=.*|DATABASE_URL=$url|" \
        -e "s|^REDIS_URL=.*|REDIS_URL=$REDIS_URL|" \
        -e "s|^LOG_ORIGIN=.*|LOG_ORIGIN=$ORIGIN|" \
        -e "s|tuidang\.example/log/|$HOST/log/|; s|https://tuidang\.example|https://$HOST|g" \
        -e "s|^ALLOWED_HOSTS=.*|ALLOWED_HOSTS=$HOST|" \
        -e "s|/etc/tuidang/|$ETC/|; s|/var/lib/tuidang|$VAR|g" \
        "$APP_DIR/deploy/tuidang.env.example" >"$ETC/tuidang.env.new"
    chown root:"$SERVICE_USER" "$ETC/tuidang.env.new" && chmod 0640 "$ETC/tuidang.env.new"
    mv "$ETC/tuidang.env.new" "$ETC/tuidang.env"
  fi
  # The database URLs follow the password files (made anew if deleted, to rotate them).
  [ -n "$DATABASE_URL_GIVEN" ] || sed -i "s|^DATABASE_URL=.*|DATABASE_URL=$url|" "$ETC/tuidang.env"
  (umask 077 && printf 'DATABASE_URL=%s\n' "$owner_url" >"$ETC/owner.env")
}

# 6. PostgreSQL: the owner role owns the database and its schema and runs the migrations
# (and may create the restore drill's scratch database); the application's role may only
# read and write rows. Passwords from the files of step 4, set again on every run.
step_database() {
  [ -n "$DB_ADMIN_URL" ] || return 0
  psql "$DB_ADMIN_URL" -q -X -v ON_ERROR_STOP=1 -v owner="$DB_OWNER" -v app="$DB_ROLE" \
    -v db="$DB_NAME" -v owner_pw="$(cat "$ETC/database-owner.password")" \
    -v app_pw="$(cat "$ETC/database.password")" <<'SQL'
SELECT format('CREATE ROLE %I', :'owner') WHERE NOT EXISTS
  (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app') WHERE NOT EXISTS
  (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"owner" LOGIN CREATEDB NOCREATEROLE NOSUPERUSER PASSWORD :'owner_pw';
ALTER ROLE :"app" LOGIN NOCREATEDB NOCREATEROLE NOSUPERUSER PASSWORD :'app_pw';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') WHERE NOT EXISTS
  (SELECT FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
\connect :"db"
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
SQL
}

# manage.py as the service user, with the environment file (and a second one on top)
# and nothing of the caller's environment, as its systemd unit would run it.
as_service() {
  local extra=$1; shift
  (cd "$APP_DIR" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 bash -c \
    'set -a; . "$1"; [ -z "$2" ] || . "$2"; set +a; shift 2; exec runuser -u "$@"' \
    as_service "$ETC/tuidang.env" "$extra" "$SERVICE_USER" -- "$PY" manage.py "$@")
}

# 7. The settings checked as Django's deployment check sees them, the schema (on the
# primary only: two machines must never migrate at once), static files (every machine:
# nginx serves them from this machine's disk).
step_django() {
  as_service "" check --deploy
  [ "$PRIMARY" = no ] || as_service "$ETC/owner.env" migrate --noinput
  as_service "" collectstatic --noinput >/dev/null
}

# Rewrite a file of deploy/ for this machine's paths, names and ports.
localise() {
  local listen4="" listen6=""
  if [ -n "$LISTEN_ADDRESS" ]; then listen4="$LISTEN_ADDRESS:"; fi
  sed -e "s|/opt/tuidang|$APP_DIR|g; s|/etc/tuidang/|$ETC/|g; s|/var/lib/tuidang|$VAR|g" \
      -e "s|/var/backups/tuidang|$BACKUPS|g; s|/var/lib/tor/tuidang/|$PREFIX/var/lib/tor/tuidang/|g" \
      -e "s|^User=tuidang|User=$SERVICE_USER|; s|^Group=tuidang|Group=$SERVICE_USER|" \
      -e "s|--port 8000|--port $APP_PORT|; s|127\.0\.0\.1:8000|127.0.0.1:$APP_PORT|" \
      -e "s|127\.0\.0\.1:8081|127.0.0.1:$ONION_PORT|" \
      -e "s|server_name tuidang\.example|server_name $HOST|" \
      -e "s|listen 80;|listen $listen4$HTTP_PORT;|; s|listen \[::\]:80;|listen [::]:$HTTP_PORT;|" \
      -e "s|listen 443 |listen $listen4$HTTPS_PORT |; s|listen \[::\]:443 |listen [::]:$HTTPS_PORT |" \
      -e "s|include snippets/|include $PREFIX/etc/nginx/snippets/|" "$1" |
    if [ -n "$LISTEN_ADDRESS" ]; then grep -v 'listen \[::\]'; else cat; fi
}

# 8. TLS: a self-signed certificate first, so that nginx starts and can answer Let's
# Encrypt's challenge on port 80; then certbot's, linked in its place.
step_tls() {
  local tls=$ETC/tls
  install -d -o root -g root -m 0700 "$tls" "$tls/self-signed"
  if [ ! -e "$tls/fullchain.pem" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
      -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
      -keyout "$tls/self-signed/privkey.pem" -out "$tls/self-signed/fullchain.pem" 2>/dev/null
    ln -sfn self-signed/fullchain.pem "$tls/fullchain.pem"
    ln -sfn self-signed/privkey.pem "$tls/privkey.pem"
  fi
}

step_certbot() {
  [ -n "$CERTBOT_EMAIL" ] && [ "$SYSTEMD" = yes ] || return 0
  local live=/etc/letsencrypt/live/$HOST
  if [ ! -e "$live/fullchain.pem" ]; then
    certbot certonly --webroot -w "$VAR/acme" -d "$HOST" --email "$CERTBOT_EMAIL" \
      --agree-tos --non-interactive --deploy-hook "systemctl reload nginx"
  fi
  ln -sfn "$live/fullchain.pem" "$ETC/tls/fullchain.pem"
  ln -sfn "$live/privkey.pem" "$ETC/tls/privkey.pem"
  systemctl reload nginx
}

# 9. nginx: the site and its two snippets.
step_nginx() {
  local nginx=$PREFIX/etc/nginx
  install -d "$nginx/snippets" "$nginx/sites-available" "$nginx/sites-enabled"
  for name in tuidang-locations.conf tuidang-proxy.conf; do
    localise "$APP_DIR/deploy/nginx/$name" >"$nginx/snippets/$name"
  done
  localise "$APP_DIR/deploy/nginx/tuidang.conf" >"$nginx/sites-available/tuidang.conf"
  ln -sfn ../sites-available/tuidang.conf "$nginx/sites-enabled/tuidang.conf"
  if [ "$SYSTEMD" = yes ]; then
    rm -f "$nginx/sites-enabled/default"
    nginx -t -q && systemctl reload-or-restart nginx
  fi
}

# 10. tor: the onion service (once); its address goes into the environment file as soon
# as tor has made it.
step_tor() {
  local torrc=$PREFIX/etc/tor/torrc hostname=$PREFIX/var/lib/tor/tuidang/hostname
  if [ "$ONION" = yes ] && ! grep -q '^HiddenServiceDir .*/tuidang/' "$torrc" 2>/dev/null; then
    install -d "$PREFIX/etc/tor"
    localise "$APP_DIR/deploy/tor/torrc" >>"$torrc"
    if [ "$SYSTEMD" = yes ]; then
      systemctl reload-or-restart tor
      for _ in $(seq 30); do [ -e "$hostname" ] && break; sleep 1; done
    fi
  fi
  [ -e "$hostname" ] || return 0
  local onion; onion=$(cat "$hostname")
  sed -i -e "s|^#\{0,1\}ONION_LOCATION=.*|ONION_LOCATION=http://$onion|" \
      -e "/^ALLOWED_HOSTS=/{/$onion/!s|\$|,$onion|}" "$ETC/tuidang.env"
}

# 11. The systemd units; enabled and started unless --no-systemd (or --prefix).
step_units() {
  local units=$PREFIX/etc/systemd/system unit
  install -d "$units"
  for unit in "$APP_DIR"/deploy/systemd/*.service "$APP_DIR"/deploy/systemd/*.timer; do
    localise "$unit" >"$units/$(basename "$unit")"
  done
  # The hardening every tuidang-*.service shares (a prefix drop-in).
  install -d "$units/tuidang-.service.d"
  install -m 0644 "$APP_DIR/deploy/systemd/tuidang-.service.d/hardening.conf" "$units/tuidang-.service.d/"
  [ "$SYSTEMD" = yes ] || return 0
  systemctl daemon-reload
  systemctl enable --now tuidang-web tuidang-sequencer tuidang-worker
  systemctl restart tuidang-web tuidang-sequencer tuidang-worker  # an upgrade's new code
  if [ "$PRIMARY" = yes ]; then
    systemctl enable --now tuidang-log-export.timer tuidang-backup.timer \
      tuidang-restore-drill.timer tuidang-prune.timer
  fi
}

say "user";      step_user
say "code";      step_code
say "dirs";      step_dirs
say "keys";      step_keys
say "env";       step_env
say "database";  step_database
say "django";    step_django
say "tls";       step_tls
say "nginx";     step_nginx
say "tor";       step_tor
say "units";     step_units
say "certbot";   step_certbot
echo "log verifier key: $(keygen verifier "$ETC/log-signing.key")"
