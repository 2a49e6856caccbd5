/*
 * What the sentinel reads from INFO of a primary or replica (run_id, role, the slaveN lines, the
 * replica's link to its primary, priority and offset) and from a hello message
 * (`ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch`).
 */

export interface InfoView {
  runId: string;
  role: 'master' | 'slave';
  replicas: { ip: string; port: number }[];
  masterHost: string;
  masterPort: number;
  masterLinkUp: boolean;
  masterLinkDownSeconds: number;
  slavePriority: number;
  slaveReplOffset: number;
  replicaAnnounced: number;
}

export function parseInfo(text: string): InfoView {
  const v: InfoView = {
    runId: '',
    role: 'master',
    replicas: [],
    masterHost: '',
    masterPort: 0,
    masterLinkUp: false,
    masterLinkDownSeconds: 0,
    slavePriority: 100,
    slaveReplOffset: 0,
    replicaAnnounced: 1,
  };
  for (const line of text.split('\r\n')) {
    const c = line.indexOf(':');
    if (c < 0) continue;
    const k = line.slice(0, c);
    const val = line.slice(c + 1);
    if (k === 'run_id') v.runId = val;
    else if (k === 'role') v.role = val === 'slave' ? 'slave' : 'master';
    else if (k === 'master_host') v.masterHost = val;
    else if (k === 'master_port') v.masterPort = Number(val);
    else if (k === 'master_link_status') v.masterLinkUp = val === 'up';
    else if (k === 'master_link_down_since_seconds') v.masterLinkDownSeconds = Math.max(0, Number(val));
    else if (k === 'slave_priority') v.slavePriority = Number(val);
    else if (k === 'slave_repl_offset') v.slaveReplOffset = Number(val);
    else if (k === 'replica_announced') v.replicaAnnounced = Number(val);
    else if (/^slave\d+$/.test(k)) {
      const f = new Map(val.split(',').map((kv) => kv.split('=') as [string, string]));
      const ip = f.get('ip');
      const port = Number(f.get('port'));
      if (ip !== undefined && port > 0) v.replicas.push({ ip, port });
    }
  }
  return v;
}

export interface Hello {
  ip: string;
  port: number;
  runId: string;
  currentEpoch: number;
  masterName: string;
  masterIp: string;
  masterPort: number;
  masterConfigEpoch: number;
}

export function parseHello(payload: string): Hello | null {
  const t = payload.split(',');
  if (t.length !== 8) return null;
  return {
    ip: t[0],
    port: Number(t[1]),
    runId: t[2],
    currentEpoch: Number(t[3]),
    masterName: t[4],
    masterIp: t[5],
    masterPort: Number(t[6]),
    masterConfigEpoch: Number(t[7]),
  };
}
