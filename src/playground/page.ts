/** The playground's web page: a small Slack look-alike that renders the Block Kit the bot uses. */
export const PLAYGROUND_PAGE = String.raw`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Studio Ops Bot — playground</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
*{box-sizing:border-box} body{margin:0;font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d1c1d;display:flex;flex-direction:column;height:100vh}
header{background:#3f0e40;color:#fff;padding:8px 16px;display:flex;align-items:center;gap:16px} header b{font-size:15px} header select{font-size:13px;padding:3px}
#app{flex:1;display:flex;min-height:0} nav{width:220px;background:#4a154b;color:#ddd;padding:12px 0;overflow:auto}
nav a{display:block;padding:4px 16px;color:#ddd;text-decoration:none;cursor:pointer} nav a.on{background:#1164a3;color:#fff} nav .h{padding:10px 16px 4px;font-size:12px;opacity:.7;text-transform:uppercase}
main{flex:1;display:flex;flex-direction:column;min-width:0} #title{padding:10px 16px;border-bottom:1px solid #ddd;font-weight:700}
#messages{flex:1;overflow:auto;padding:8px 16px} #newer{display:none;align-self:center;margin:-40px 0 8px;position:relative;z-index:2;background:#1264a3;color:#fff;border-radius:14px;padding:4px 14px;cursor:pointer;font-size:13px} #newer.open{display:block} .msg{padding:6px 0;border-bottom:1px solid #f3f3f3} .who{font-weight:700} .who small{font-weight:400;color:#777;margin-left:6px}
.eph{background:#f8f8f8;border-left:3px solid #bbb;padding-left:8px} .eph-tag{color:#777;font-size:12px}
#composer{margin:8px 16px 16px;padding:10px;border:1px solid #bbb;border-radius:6px;width:calc(100% - 32px);font-size:14px}
aside{width:380px;border-left:1px solid #ddd;display:none;flex-direction:column} aside.open{display:flex} aside #thread{flex:1;overflow:auto;padding:8px 12px}
aside .bar{padding:10px 12px;border-bottom:1px solid #ddd;display:flex;justify-content:space-between;font-weight:700}
.blk{margin:4px 0} .hdr{font-size:17px;font-weight:800} .fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px} .ctx{color:#616061;font-size:12px}
.sec{display:flex;gap:8px;align-items:flex-start;justify-content:space-between} hr{border:0;border-top:1px solid #ddd}
button.b{border:1px solid #bbb;background:#fff;border-radius:4px;padding:3px 10px;margin:2px 4px 2px 0;cursor:pointer;font-size:13px}
button.primary{background:#007a5a;color:#fff;border-color:#007a5a} button.danger{background:#e01e5a;color:#fff;border-color:#e01e5a}
code{background:#f3f3f3;border:1px solid #e5e5e5;border-radius:3px;padding:0 3px;font-size:12px;color:#c7254e} pre{background:#f8f8f8;border:1px solid #e5e5e5;padding:8px;white-space:pre-wrap;font-size:12px;max-height:360px;overflow:auto} .mk{white-space:pre-wrap}
blockquote{margin:2px 0;padding-left:8px;border-left:3px solid #ddd}
.conn{font-size:12px;opacity:.85} .more{float:right;visibility:hidden;cursor:pointer;border:1px solid #ddd;border-radius:4px;padding:0 6px;background:#fff;color:#555} .msg:hover .more{visibility:visible}
#menu{position:fixed;display:none;background:#fff;border:1px solid #ccc;border-radius:6px;box-shadow:0 4px 12px rgba(0,0,0,.2);padding:4px 0;z-index:5} #menu a{display:block;padding:6px 14px;cursor:pointer;color:#1d1c1d} #menu a:hover{background:#1164a3;color:#fff} #menu .h{padding:4px 14px;font-size:11px;color:#777}
.thread-link{color:#1264a3;cursor:pointer;font-size:12px} .unknown{border:1px dashed #e01e5a;color:#e01e5a;padding:4px;font-size:12px}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
#overlay{position:fixed;inset:0;background:rgba(0,0,0,.45);display:none;align-items:center;justify-content:center} #overlay.open{display:flex}
#modal{background:#fff;border-radius:8px;width:560px;max-height:85vh;display:flex;flex-direction:column} #modal .t{padding:14px 16px;font-weight:800;font-size:17px;border-bottom:1px solid #ddd}
#modal .body{padding:8px 16px;overflow:auto;flex:1} #modal .foot{padding:10px 16px;border-top:1px solid #ddd;display:flex;justify-content:flex-end;gap:8px}
.input{margin:8px 0} .input label{display:block;font-weight:700;margin-bottom:3px} .input input[type=text],.input textarea,.input select{width:100%;padding:6px;font-size:14px}
.ext{position:relative;display:inline-block;margin:2px 4px 2px 0} .extq{width:300px;padding:4px 6px;font-size:13px;border:1px solid #bbb;border-radius:4px}
.extlist{position:absolute;left:0;top:100%;z-index:4;background:#fff;border:1px solid #ccc;border-radius:4px;box-shadow:0 4px 12px rgba(0,0,0,.2);max-height:320px;overflow:auto;min-width:300px;display:none} .extlist.open{display:block}
.extlist a{display:block;padding:4px 10px;cursor:pointer;color:#1d1c1d;font-size:13px} .extlist a:hover{background:#1164a3;color:#fff} .extlist .h{padding:4px 10px;font-size:11px;color:#777}
.err{color:#e01e5a;font-size:12px} .hint{color:#777;font-size:12px}
#confirm{position:fixed;inset:0;background:rgba(0,0,0,.45);display:none;align-items:center;justify-content:center} #confirm.open{display:flex} #confirm div.box{background:#fff;border-radius:8px;padding:16px;width:380px}
</style></head><body>
<header><b>Studio Ops Bot — playground</b><span>You are</span><select id="user"></select><span id="role"></span><span id="conn" class="conn"></span><span id="keep" class="conn"></span><span id="sbx" class="conn" style="margin-left:auto"></span></header>
<div id="app"><nav id="nav"></nav><main><div id="title"></div><div id="messages"></div><div id="newer" title="Jump to the newest messages">↓ New messages</div><input id="composer" placeholder="Message, or a command such as /cz help" autocomplete="off"></main>
<aside id="aside"><div class="bar"><span>Thread</span><a class="thread-link" id="close-thread">close</a></div><div id="thread"></div><input id="thread-composer" placeholder="Reply…" style="margin:8px;padding:8px"></aside></div>
<div id="overlay"><div id="modal"></div></div><div id="menu"></div>
<div id="confirm"><div class="box"><div id="confirm-title" style="font-weight:800"></div><div id="confirm-text" style="margin:8px 0"></div><div style="text-align:right"><button class="b" id="confirm-deny"></button><button class="b primary" id="confirm-ok"></button></div></div></div>
<script>
const $=(s)=>document.querySelector(s);
let S=null, user=localStorage.getItem('pg-user')||'U0OPS', channel=null, thread=null, modalKey='', modalErrors={};
// Scrolling as Slack does: a channel opens at its newest message; after you act (a command, a click) the
// replies it brings are scrolled to; others arriving while you read further up show "New messages".
let followUntil=0, drawnChannel=null; const counts={};
const esc=(t)=>String(t??'').replace(/&/g,'&amp;').replace(/</g,'&lt;').replace(/>/g,'&gt;').replace(/"/g,'&quot;').replace(/'/g,'&#39;');
const dec=(t)=>String(t??'').replace(/&lt;/g,'<').replace(/&gt;/g,'>').replace(/&amp;/g,'&');
function userName(id){const u=S&&S.users.find(x=>x.id===id);return u?'@'+u.name:'@'+id}
function chanName(id){const c=S&&S.channels.find(x=>x.id===id);return c?(c.dm?c.name:'#'+c.name):'#'+id}
const EMOJI={white_check_mark:'✅',x:'❌',warning:'⚠️',lock:'🔒',no_entry:'⛔',rotating_light:'🚨',eyes:'👀',mute:'🔇',arrows_counterclockwise:'🔄',hourglass_flowing_sand:'⏳',raised_hand:'✋',point_right:'👉',information_source:'ℹ️',tada:'🎉',heavy_minus_sign:'➖',heavy_multiplication_x:'✖️',leftwards_arrow_with_hook:'↩️',building_construction:'🏗️',page_facing_up:'📄',large_orange_circle:'🟠',red_circle:'🔴',large_yellow_circle:'🟡',white_circle:'⚪',grey_question:'❔',double_vertical_bar:'⏸️',pencil2:'✏️',new:'🆕',wastebasket:'🗑️',black_square_for_stop:'⏹️',inbox_tray:'📥',mag:'🔍',repeat:'🔁',wrench:'🔧',wave:'👋',octagonal_sign:'🛑',loud_sound:'🔊',hourglass:'⌛',clipboard:'📋',chart_with_downwards_trend:'📉',brain:'🧠',bell:'🔔'};
function mrkdwn(src){
  const parts=String(src??'').split('\x60\x60\x60');let out='';
  parts.forEach((p,i)=>{ if(i%2===1){out+='<pre>'+esc(dec(p))+'</pre>';return}
    const links=[];let t=p.replace(/<([^<>]+)>/g,(m,inner)=>{links.push(inner);return '\u0000'+(links.length-1)+'\u0000'});
    t=esc(dec(t));
    const codes=[];t=t.replace(/\x60([^\x60]+)\x60/g,(m,c)=>{codes.push('<code>'+c+'</code>');return '\u0001'+(codes.length-1)+'\u0001'});
    t=t.replace(/(^|[\s(>])\*([^*\n]+)\*/g,'$1<b>$2</b>').replace(/(^|[\s(>])_([^_\n]+)_/g,'$1<i>$2</i>').replace(/(^|\s)~([^~\n]+)~/g,'$1<s>$2</s>').replace(/^&gt; ?(.*)$/gm,'<blockquote>$1</blockquote>');
    t=t.replace(/\u0000(\d+)\u0000/g,(m,n)=>{const inner=links[+n];
      if(inner.startsWith('@'))return '<span class="mention">'+esc(userName(inner.slice(1).split('|')[0]))+'</span>';
      if(inner.startsWith('#'))return '<span class="mention">'+esc(chanName(inner.slice(1).split('|')[0]))+'</span>';
      if(/^!(here|channel|everyone)\b/.test(inner))return '<span class="mention">@'+esc(inner.slice(1).split('|')[0])+'</span>';
      if(inner.startsWith('!subteam^'))return '<span class="mention">'+esc(inner.split('|')[1]||'@group')+'</span>';
      if(inner.startsWith('!date^')){const fb=inner.split('|')[1]||'';const ts=+inner.split('^')[1];return esc(ts?new Date(ts*1000).toLocaleString():fb)}
      const [url,label]=inner.split('|');return '<a href="'+esc(url)+'" target="_blank">'+esc(dec(label||url))+'</a>'});
    t=t.replace(/:([a-z0-9_+-]+):/g,(m,n)=>EMOJI[n]||m);
    // Code is shown as typed: no bold, italics or emoji inside it (a cron's * stays *).
    t=t.replace(/\u0001(\d+)\u0001/g,(m,n)=>codes[+n]);
    out+=t.replace(/\n/g,'<br>')});
  return '<span class="mk">'+out+'</span>'}
function txt(o){return !o?'':(o.type==='mrkdwn'?mrkdwn(o.text):esc(o.text))}
function el(e,ctx,bid){ // an interactive element
  const a=(extra)=>JSON.stringify(Object.assign({type:e.type,action_id:e.action_id,block_id:bid},extra));
  if(e.type==='button'){ if(e.url) return '<button class="b '+(e.style||'')+'" data-action-id="'+esc(e.action_id)+'" onclick="window.open(\''+esc(e.url)+'\');return false">'+txt(e.text)+' ↗</button>';
    return '<button class="b '+(e.style||'')+'" data-action-id="'+esc(e.action_id)+'" data-act=\''+esc(a({value:e.value,text:e.text}))+'\''+(e.confirm?' data-confirm=\''+esc(JSON.stringify(e.confirm))+'\'':'')+' data-ctx=\''+esc(ctx)+'\'>'+txt(e.text)+'</button>'}
  if(e.type==='static_select'||e.type==='overflow'){ return '<select data-action-id="'+esc(e.action_id)+'" data-sel=\''+esc(a({}))+'\' data-ctx=\''+esc(ctx)+'\' data-kind="'+e.type+'"><option value="">'+(e.type==='overflow'?'⋯':txt(e.placeholder)||'Choose…')+'</option>'+(e.options||[]).map(o=>'<option value="'+esc(o.value)+'">'+esc(o.text.text)+'</option>').join('')+'</select>'}
  if(e.type==='external_select'){ return '<span class="ext"><input class="extq" autocomplete="off" data-action-id="'+esc(e.action_id)+'" data-ext=\''+esc(a({}))+'\' data-min="'+(e.min_query_length??3)+'" data-ctx=\''+esc(ctx)+'\' placeholder="'+esc(txt(e.placeholder)||'Search…')+'"><div class="extlist"></div></span>'}
  if(e.type==='datepicker'){ return '<input type="date" data-action-id="'+esc(e.action_id)+'" data-date=\''+esc(a({}))+'\' data-ctx=\''+esc(ctx)+'\' value="'+esc(e.initial_date||'')+'">'}
  if(e.type==='image') return '<img alt="'+esc(e.alt_text)+'" src="'+esc(e.image_url)+'" width="24">';
  return '<span class="unknown">Unsupported element: '+esc(e.type)+'</span>'}
function inputEl(b){const e=b.element||{};const id=esc(b.block_id)+'|'+esc(e.action_id);
  if(e.type==='plain_text_input') return e.multiline?'<textarea rows="6" data-input="'+id+'" data-type="plain_text_input">'+esc(e.initial_value||'')+'</textarea>':'<input type="text" data-input="'+id+'" data-type="plain_text_input" value="'+esc(e.initial_value||'')+'">';
  if(e.type==='datepicker') return '<input type="date" data-input="'+id+'" data-type="datepicker" value="'+esc(e.initial_date||'')+'"'+(b.dispatch_action?' data-dispatch="'+esc(e.action_id)+'"':'')+'>';
  if(e.type==='static_select') return '<select data-input="'+id+'" data-type="static_select"><option value="">Choose…</option>'+(e.options||[]).map(o=>'<option value="'+esc(o.value)+'"'+(e.initial_option&&e.initial_option.value===o.value?' selected':'')+'>'+esc(o.text.text)+'</option>').join('')+'</select>';
  if(e.type==='radio_buttons') return (e.options||[]).map(o=>'<label><input type="radio" name="'+id+'" data-input="'+id+'" data-type="radio_buttons" value="'+esc(o.value)+'"> '+esc(o.text.text)+'</label><br>').join('');
  if(e.type==='checkboxes') return (e.options||[]).map(o=>'<label><input type="checkbox" data-input="'+id+'" data-type="checkboxes" value="'+esc(o.value)+'"> '+esc(o.text.text)+'</label><br>').join('');
  return '<span class="unknown">Unsupported input: '+esc(e.type)+'</span>'}
function blocks(bs,ctx){ return (bs||[]).map(b=>{const bid=b.block_id||'';
  switch(b.type){
    case 'header': return '<div class="blk hdr">'+txt(b.text)+'</div>';
    case 'divider': return '<hr>';
    case 'section': return '<div class="blk sec"><div>'+(b.text?'<div>'+txt(b.text)+'</div>':'')+(b.fields?'<div class="fields">'+b.fields.map(f=>'<div>'+txt(f)+'</div>').join('')+'</div>':'')+'</div>'+(b.accessory?'<div>'+el(b.accessory,ctx,bid)+'</div>':'')+'</div>';
    case 'context': return '<div class="blk ctx">'+(b.elements||[]).map(e=>e.type==='image'?el(e,ctx,bid):txt(e)).join(' ')+'</div>';
    case 'actions': return '<div class="blk">'+(b.elements||[]).map(e=>el(e,ctx,bid)).join('')+'</div>';
    case 'input': return '<div class="blk input"><label>'+txt(b.label)+(b.optional?' <span class="hint">(optional)</span>':'')+'</label>'+inputEl(b)+(b.hint?'<div class="hint">'+txt(b.hint)+'</div>':'')+(modalErrors[b.block_id]?'<div class="err">'+esc(modalErrors[b.block_id])+'</div>':'')+'</div>';
    case 'image': return '<div class="blk"><img src="'+esc(b.image_url)+'" alt="'+esc(b.alt_text)+'" style="max-width:100%"></div>';
    default: return '<div class="blk unknown">Unsupported block: '+esc(b.type)+'</div>'}}).join('')}
function message(m,inThread){const mine=m.user==='U0BOT'?'Studio Ops Bot':m.user==='USLACKBOT'?'Slackbot':(S.users.find(u=>u.id===m.user)||{name:m.user}).name;
  const ctx=JSON.stringify({channel:m.channel,ts:m.ts});
  return '<div class="msg'+(m.ephemeralFor?' eph':'')+'" data-ts="'+esc(m.ts)+'"><div class="who">'+(!m.ephemeralFor&&S.shortcuts&&S.shortcuts.length?'<span class="more" title="More actions" data-more=\''+esc(ctx)+'\'>⋯</span>':'')+esc(mine)+'<small>'+new Date(+m.ts.split('.')[0]*1000).toLocaleTimeString()+(m.edited?' (edited)':'')+'</small>'+(m.ephemeralFor?' <span class="eph-tag">Only visible to you</span>':'')+'</div>'+(m.blocks&&m.blocks.length?blocks(m.blocks,ctx):'<div>'+mrkdwn(m.text)+'</div>')+(!inThread&&m.replies&&m.replies.length?'<div class="thread-link" data-thread="'+esc(m.ts)+'">'+m.replies.length+' repl'+(m.replies.length>1?'ies':'y')+'</div>':'')+'</div>'}
function render(){ if(!S)return;
  if(channel===null){const alerts=S.channels.find(c=>c.name==='data-alerts'); channel=alerts&&alerts.messages.length?alerts.id:(S.channels.find(c=>c.name==='data-eng')||S.channels[0]).id}
  const k=S.connection||{}; $('#conn').textContent=k.mode==='socket'?'Bot: Socket Mode · '+(k.connected?'connected':'reconnecting…'):'Bot: HTTP mode';
  $('#keep').textContent=S.persistence&&S.persistence.kept?'Messages and the bot’s state are kept across restarts (delete the data folder to start fresh)':'Nothing is kept: a restart starts fresh (in-memory database)';
  // The sandbox's control (only when Studio is the sandbox): a slow day now, for a baseline's card.
  if(S.sandbox&&!$('#slow-day'))$('#sbx').innerHTML='Sandbox: <input id="slow-task" value="05_dqc_check" size="14" title="an output task with a baseline"> <button class="b" id="slow-day" title="Start today’s cycle of this output again now, its first sync slow">Simulate a slow day</button>';
  $('#user').innerHTML=S.users.map(u=>'<option value="'+u.id+'"'+(u.id===user?' selected':'')+'>'+esc(u.name)+' ('+u.role+')</option>').join(''); $('#role').textContent=S.me?S.me.role:'';
  $('#nav').innerHTML='<div class="h">Channels</div>'+S.channels.filter(c=>!c.dm).map(c=>'<a data-channel="'+c.id+'" class="'+(c.id===channel?'on':'')+'"># '+esc(c.name)+'</a>').join('')+'<div class="h">Direct messages</div>'+S.channels.filter(c=>c.dm).map(c=>'<a data-channel="'+c.id+'" class="'+(c.id===channel?'on':'')+'">'+esc(c.name)+'</a>').join('')+'<div class="h">App</div><a data-channel="HOME" class="'+(channel==='HOME'?'on':'')+'">Home</a>';
  if(channel==='HOME'){ $('#title').textContent='Studio Ops Bot — Home'; $('#messages').innerHTML=S.home?blocks(S.home.blocks,JSON.stringify({home:true})):'<div class="ctx">Loading the Home tab…</div>'; $('#composer').style.display='none'}
  else{ const c=S.channels.find(x=>x.id===channel)||S.channels[0]; $('#composer').style.display='';
    $('#title').textContent=c.dm?c.name:'# '+c.name; const box=$('#messages'); const atBottom=box.scrollHeight-box.scrollTop-box.clientHeight<40;
    const switched=drawnChannel!==c.id, grew=!switched&&c.messages.length>(counts[c.id]||0); counts[c.id]=c.messages.length; drawnChannel=c.id;
    box.innerHTML=c.messages.map(m=>message(m,false)).join('')||'<div class="ctx">No messages yet.</div>';
    if(switched||atBottom||(grew&&Date.now()<followUntil)){box.scrollTop=box.scrollHeight;$('#newer').classList.remove('open')} else if(grew)$('#newer').classList.add('open');
    if(thread){const parent=c.messages.find(m=>m.ts===thread); $('#aside').classList.toggle('open',!!parent); $('#thread').innerHTML=parent?message(parent,true)+parent.replies.map(r=>message(r,true)).join(''):''} else $('#aside').classList.remove('open')}
  const m=S.modal; const key=m?m.id+':'+m.hash:'';
  if(key!==modalKey){modalKey=key; if(m){modalErrors={}; drawModal(m)} $('#overlay').classList.toggle('open',!!m)}}
function drawModal(m){const v=m.view; $('#modal').innerHTML='<div class="t">'+txt(v.title)+'</div><div class="body">'+blocks(v.blocks,JSON.stringify({view:m.id}))+'</div><div class="foot"><button class="b" id="modal-close">'+txt(v.close||{text:'Cancel'})+'</button>'+(v.submit?'<button class="b primary" id="modal-submit">'+txt(v.submit)+'</button>':'')+'</div>'}
function values(){const out={}; document.querySelectorAll('#modal [data-input]').forEach(i=>{const [b,a]=i.dataset.input.split('|'); out[b]=out[b]||{}; const t=i.dataset.type;
  if(t==='plain_text_input')out[b][a]={type:t,value:i.value||null}; else if(t==='datepicker')out[b][a]={type:t,selected_date:i.value||null};
  else if(t==='static_select')out[b][a]={type:t,selected_option:i.value?{value:i.value,text:{type:'plain_text',text:i.selectedOptions[0].text}}:null};
  else if(t==='radio_buttons'){if(i.checked)out[b][a]={type:t,selected_option:{value:i.value}}; else if(!out[b][a])out[b][a]={type:t,selected_option:null}}
  else if(t==='checkboxes'){out[b][a]=out[b][a]||{type:t,selected_options:[]}; if(i.checked)out[b][a].selected_options.push({value:i.value})}}); return out}
async function post(path,body){followUntil=Date.now()+15000;const r=await fetch(path,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(Object.assign({user},body))});return r.json()}
async function refresh(){const r=await fetch('/ui/state?user='+user);S=await r.json();render()}
async function act(action,ctx){const c=JSON.parse(ctx); if(c.view)return post('/ui/action',{viewId:c.view,action,values:values()}); if(c.home)return post('/ui/action',{channel:'D'+user,messageTs:'',action}); return post('/ui/action',{channel:c.channel,messageTs:c.ts,action})}
function ask(conf){return new Promise(res=>{$('#confirm-title').textContent=conf.title.text;$('#confirm-text').innerHTML=txt(conf.text);$('#confirm-ok').textContent=conf.confirm.text;$('#confirm-deny').textContent=(conf.deny||{text:'Cancel'}).text;$('#confirm').classList.add('open');
  $('#confirm-ok').onclick=()=>{$('#confirm').classList.remove('open');res(true)};$('#confirm-deny').onclick=()=>{$('#confirm').classList.remove('open');res(false)}})}
document.addEventListener('click',async(ev)=>{const menu=$('#menu'); const mo=ev.target.closest('[data-more],[data-shortcut]');
  if(!mo)menu.style.display='none';
  if(mo&&mo.dataset.more){menu.innerHTML='<div class="h">Message shortcuts</div>'+S.shortcuts.map(x=>'<a data-shortcut="'+esc(x.callback_id)+'" data-ctx=\''+esc(mo.dataset.more)+'\'>'+esc(x.name)+'</a>').join('');const r=mo.getBoundingClientRect();menu.style.left=Math.max(8,r.left-200)+'px';menu.style.top=(r.bottom+4)+'px';menu.style.display='block';return}
  if(mo&&mo.dataset.shortcut){menu.style.display='none';const c=JSON.parse(mo.dataset.ctx);return post('/ui/shortcut',{channel:c.channel,messageTs:c.ts,callbackId:mo.dataset.shortcut})}
  if(ev.target.id==='newer'){const box=$('#messages');box.scrollTop=box.scrollHeight;return ev.target.classList.remove('open')}
  if(ev.target.id==='slow-day'){return post('/ui/sandbox/slow-day',{channel:channel==='HOME'?'D'+user:channel,task:$('#slow-task').value})}
  const t=ev.target.closest('[data-act],[data-channel],[data-thread],#modal-submit,#modal-close,#close-thread'); if(!t)return;
  if(t.dataset.channel){channel=t.dataset.channel;thread=null;if(channel==='HOME')await post('/ui/home',{});return render()}
  if(t.dataset.thread){thread=t.dataset.thread;return render()}
  if(t.id==='close-thread'){thread=null;return render()}
  if(t.id==='modal-close'){return post('/ui/close',{viewId:S.modal.id})}
  if(t.id==='modal-submit'){const r=await post('/ui/submit',{viewId:S.modal.id,values:values()}); if(r.errors){modalErrors=r.errors;drawModal(S.modal)} return}
  if(t.dataset.act){ if(t.dataset.confirm&&!(await ask(JSON.parse(t.dataset.confirm))))return; t.disabled=true; await act(JSON.parse(t.dataset.act),t.dataset.ctx)}});
document.addEventListener('change',async(ev)=>{const t=ev.target;
  if(t.id==='user'){user=t.value;localStorage.setItem('pg-user',user);thread=null;if(channel.startsWith('D'))channel='D'+user;if(channel==='HOME')await post('/ui/home',{});return refresh()}
  if(t.dataset.sel&&t.value){const a=JSON.parse(t.dataset.sel);a.selected_option={value:t.value,text:{type:'plain_text',text:t.selectedOptions[0].text}};await act(a,t.dataset.ctx)}
  if(t.dataset.date){const a=JSON.parse(t.dataset.date);a.selected_date=t.value;await act(a,t.dataset.ctx)}
  if(t.dataset.dispatch){await post('/ui/action',{viewId:S.modal.id,action:{type:'datepicker',action_id:t.dataset.dispatch,selected_date:t.value,block_id:t.dataset.input.split('|')[0]},values:values()})}});
// An external select: what is typed (at least min_query_length characters) goes to the bot as Slack's block_suggestion; its options are listed.
document.addEventListener('input',async(ev)=>{const t=ev.target; if(!t.dataset||!t.dataset.ext)return; const list=t.parentNode.querySelector('.extlist'); const q=t.value;
  if(q.length<+t.dataset.min){list.classList.remove('open');list.innerHTML='';return}
  const a=JSON.parse(t.dataset.ext); const c=JSON.parse(t.dataset.ctx);
  const r=await post('/ui/options',{channel:c.channel,messageTs:c.ts,viewId:c.view,action_id:a.action_id,block_id:a.block_id,value:q}); if(t.value!==q)return;
  const opts=r.options||[]; list.innerHTML='<div class="h">'+opts.length+' option'+(opts.length===1?'':'s')+(opts.length>=100?' (the first 100: type more to narrow)':'')+'</div>'+opts.map(o=>'<a data-extopt="'+esc(o.value)+'">'+esc(o.text&&o.text.text)+'</a>').join(''); list.classList.add('open')});
document.addEventListener('click',async(ev)=>{const o=ev.target.closest('[data-extopt]'); if(!o)return; const box=o.closest('.ext'); const t=box.querySelector('.extq'); const a=JSON.parse(t.dataset.ext);
  a.selected_option={value:o.dataset.extopt,text:{type:'plain_text',text:o.textContent}}; box.querySelector('.extlist').classList.remove('open'); await act(a,t.dataset.ctx)});
$('#messages').addEventListener('scroll',(ev)=>{const b=ev.target;if(b.scrollHeight-b.scrollTop-b.clientHeight<40)$('#newer').classList.remove('open')});
$('#composer').addEventListener('keydown',async(ev)=>{if(ev.key!=='Enter')return;const text=ev.target.value.trim();if(!text)return;ev.target.value='';
  if(text.startsWith('/'))await post('/ui/command',{channel,text}); else await post('/ui/message',{channel,text})});
$('#thread-composer').addEventListener('keydown',async(ev)=>{if(ev.key!=='Enter'||!thread)return;const text=ev.target.value.trim();if(!text)return;ev.target.value='';await post('/ui/message',{channel,text,threadTs:thread})});
new EventSource('/ui/events').onmessage=()=>refresh(); refresh();
</script></body></html>`;
