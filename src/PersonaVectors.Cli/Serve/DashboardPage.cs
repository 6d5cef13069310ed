namespace PersonaVectors.Cli.Serve;

/// <summary>
/// The dashboard: the loaded vectors with their thresholds, and recent conversations with a meter per trait for
/// every turn (the before-answer projection, scaled between the calibration means) and alerts. It polls
/// /api/dashboard every second; no external scripts or styles. The page itself holds no data: when the server has
/// an API key, /api/dashboard needs it, and the page asks for it once and keeps it in the browser's localStorage.
/// </summary>
public static class DashboardPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>persona serve</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:2em;color:#222} h1{margin-bottom:0} .sub{color:#666}
        table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ddd;padding:3px 8px;font-size:14px}
        .conversation{border:1px solid #ccc;border-radius:6px;padding:8px;margin:10px 0}
        .turn{margin:6px 0;padding:4px;border-top:1px dashed #eee} .meter{display:inline-block;margin-right:14px;font-size:13px}
        .bar{display:inline-block;width:120px;height:10px;background:#eee;position:relative;vertical-align:middle}
        .fill{position:absolute;left:0;top:0;bottom:0;background:#4a4} .fill.above{background:#c33}
        .tick{position:absolute;left:50%;top:-2px;bottom:-2px;width:1px;background:#333}
        .alert{background:#c33;color:#fff;padding:0 5px;border-radius:3px;font-weight:bold}
        </style></head><body>
        <h1>persona serve</h1><p class="sub">Persona meters of the recent conversations (last prompt token, before each answer). <span id="alerts"></span></p>
        <form id="keyform" hidden><p>This server needs its API key to show its conversations.
          <input type="password" id="key" placeholder="API key" autocomplete="off"> <button>Show</button> <span id="keyproblem" class="sub"></span></p></form>
        <h2>Vectors</h2><table id="vectors"><tr><th>trait</th><th>layer</th><th>threshold</th><th>reference mean</th><th>positive mean</th></tr></table>
        <h2>Conversations</h2><div id="conversations"><p class="sub">No requests yet.</p></div>
        <script>
        let vectors = {};
        let key = localStorage.getItem('persona_api_key');
        document.getElementById('keyform').addEventListener('submit', e => {
          e.preventDefault(); key = document.getElementById('key').value; localStorage.setItem('persona_api_key', key); refresh();
        });
        function esc(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
        function meter(r){
          const v = vectors[r.trait]; let frac = 0.5;
          if (v && v.positive_mean !== null && v.positive_mean !== v.reference_mean) frac = ((r.before_answer - v.reference_mean) / (v.positive_mean - v.reference_mean) + 0.25) / 1.5;
          frac = Math.max(0, Math.min(1, frac));
          return `<span class="meter" data-trait="${esc(r.trait)}" data-value="${r.before_answer}">${esc(r.trait)} <span class="bar"><span class="fill${r.alert?' above':''}" style="width:${(frac*100).toFixed(1)}%"></span><span class="tick"></span></span> ${r.before_answer.toFixed(2)}${r.alert?' <span class="alert">ALERT</span>':''}</span>`;
        }
        async function refresh(){
          try {
            const response = await fetch('api/dashboard', { headers: key ? { 'Authorization': 'Bearer ' + key } : {} });
            const form = document.getElementById('keyform');
            if (response.status === 401) {
              form.hidden = false;
              document.getElementById('keyproblem').textContent = key ? 'That key was refused.' : '';
              return;
            }
            form.hidden = true;
            const d = await response.json();
            vectors = Object.fromEntries(d.vectors.map(v=>[v.trait,v]));
            document.getElementById('vectors').innerHTML = '<tr><th>trait</th><th>layer</th><th>threshold</th><th>reference mean</th><th>positive mean</th></tr>' +
              d.vectors.map(v=>`<tr><td>${esc(v.trait)}</td><td>${v.layer}</td><td>${v.threshold ?? 'none'}</td><td>${v.reference_mean ?? ''}</td><td>${v.positive_mean ?? ''}</td></tr>`).join('');
            document.getElementById('alerts').textContent = `Alerts so far: ${d.alerts}.`;
            if (d.conversations.length) document.getElementById('conversations').innerHTML = d.conversations.map(c =>
              `<div class="conversation" data-id="${esc(c.id)}"><b>${esc(c.id)}</b>` + c.turns.map(t =>
                `<div class="turn"><div><i>user:</i> ${esc(t.user)}</div><div><i>assistant:</i> ${esc(t.answer)}</div><div>${t.readings.map(meter).join('')}</div></div>`).join('') + '</div>').join('');
          } catch (e) { /* the server may be restarting; try again */ }
        }
        refresh(); setInterval(refresh, 1000);
        </script></body></html>
        """;
}
