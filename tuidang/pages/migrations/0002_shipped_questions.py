"""The questions and answers shipped with the site (三退问答), reviewed in all three
languages. Editors change them in the back office; this migration only gives a new
database the shipped text, and leaves entries alone once any question exists."""

import datetime

from django.db import migrations

SHIPPED = [{'order': 10,
  'title_zh_hans': '什么是“三退”？',
  'body_zh_hans': '三退是退出中国共产党（退党）、共青团（退团）和少先队（退队）。这三个组织几乎涵盖了每个年龄段：小学时入少先队，中学时入共青团，成年后入党。\n'
                  '\n'
                  '入过哪个组织，就可以声明退出哪个；入过几个，就退几个。只入过少先队的人，也可以声明退队。\n'
                  '\n'
                  '在声明表格上，为每个人勾选他要退出的组织；三个都退的，勾选“全部三个”即可。',
  'title_zh_hant': '什麼是「三退」？',
  'body_zh_hant': '三退是退出中國共產黨（退黨）、共青團（退團）和少先隊（退隊）。這三個組織幾乎涵蓋了每個年齡段：小學時入少先隊，中學時入共青團，成年後入黨。\n'
                  '\n'
                  '入過哪個組織，就可以聲明退出哪個；入過幾個，就退幾個。只入過少先隊的人，也可以聲明退隊。\n'
                  '\n'
                  '在聲明表格上，為每個人勾選他要退出的組織；三個都退的，勾選「全部三個」即可。',
  'title_en': 'What are the “three withdrawals” (三退)?',
  'body_en': 'Quitting the Chinese Communist Party (退党), the Communist Youth League (退团) and the '
             'Young Pioneers (退队). Between them the three organizations take in nearly every age: '
             'the Pioneers in primary school, the League in secondary school, the Party as '
             'adults.\n'
             '\n'
             'Whoever joined one of them may declare that they quit it; whoever joined several '
             'quits each of them. Someone who was only ever a Young Pioneer can declare that they '
             'quit the Pioneers.\n'
             '\n'
             'On the declaration form you tick, for each person, the organizations they quit; '
             'to quit all three, tick “All three”.'},
 {'order': 20,
  'title_zh_hans': '用化名或小名可以吗？',
  'body_zh_hans': '可以。化名、小名和真名同样有效，计入总数时没有任何区别。很多人用化名声明，以保护自己和家人。\n'
                  '\n'
                  '请注意：您填写的名字会在公开日志旁公布。如果别人能凭这个名字认出您，请用化名。愿意的话，可以在“化名对应的真实姓名”一栏填写真名：它会立即加密封存，永不公布。',
  'title_zh_hant': '用化名或小名可以嗎？',
  'body_zh_hant': '可以。化名、小名和真名同樣有效，計入總數時沒有任何區別。很多人用化名聲明，以保護自己和家人。\n'
                  '\n'
                  '請注意：您填寫的名字會在公開日誌旁公佈。如果別人能憑這個名字認出您，請用化名。願意的話，可以在「化名對應的真實姓名」一欄填寫真名：它會立即加密封存，永不公佈。',
  'title_en': 'Does an alias or a childhood name count?',
  'body_en': 'Yes. An alias (化名), a childhood name and a real name are equally valid and are '
             'counted exactly alike. Many people declare under an alias to protect themselves and '
             'their families.\n'
             '\n'
             'Remember that the name you give is published beside the public log. If someone could '
             'recognize you by it, use an alias. If you wish, you may give your real name in the '
             'field “Real name behind the alias”: it is sealed at once and never published.'},
 {'order': 30,
  'title_zh_hans': '小时候戴过红领巾，应该选什么？',
  'body_zh_hans': '请选“退队”。凡是戴过红领巾、入过少先队的人，不论现在多大年纪，都可以声明退出少先队。同样，入过共青团的人，即使早已超龄离团，也可以声明退团。\n'
                  '\n'
                  '如果不确定自己是否入过某个组织，就按自己记得的选。大多数人小时候都入过少先队。',
  'title_zh_hant': '小時候戴過紅領巾，應該選什麼？',
  'body_zh_hant': '請選「退隊」。凡是戴過紅領巾、入過少先隊的人，不論現在多大年紀，都可以聲明退出少先隊。同樣，入過共青團的人，即使早已超齡離團，也可以聲明退團。\n'
                  '\n'
                  '如果不確定自己是否入過某個組織，就按自己記得的選。大多數人小時候都入過少先隊。',
  'title_en': 'I wore the red scarf as a child. What should I choose?',
  'body_en': 'Choose the Young Pioneers (退队). Anyone who wore the red scarf and joined the Young '
             'Pioneers may declare that they quit, however old they are now. Likewise, anyone who '
             'joined the Communist Youth League may quit it, even if they aged out of it long '
             'ago.\n'
             '\n'
             'If you are not sure whether you joined an organization, choose what you remember. '
             'Most people joined the Young Pioneers as children.'},
 {'order': 40,
  'title_zh_hans': '可以替家人声明吗？为什么每个人都要写名字？',
  'body_zh_hans': '可以替家人或朋友声明，但只能替本人愿意退出、并请您代为声明的人。三退是每个人自己的决定，谁也不能替别人做主。\n'
                  '\n'
                  '一份声明可以包括几个人（例如“张三 等 5 '
                  '人”）。每个人都要单独写名字（可以用化名），并选择各自退出的组织。这样每个人只计一次，而且每个人的名字都能单独从公开页面上撤下，不影响其他人。\n'
                  '\n'
                  '如果有人未经您同意，用您的名字作了声明，您可以对这份声明提出申诉。审核员核实后会把它撤销。',
  'title_zh_hant': '可以替家人聲明嗎？為什麼每個人都要寫名字？',
  'body_zh_hant': '可以替家人或朋友聲明，但只能替本人願意退出、並請您代為聲明的人。三退是每個人自己的決定，誰也不能替別人做主。\n'
                  '\n'
                  '一份聲明可以包括幾個人（例如「張三 等 5 '
                  '人」）。每個人都要單獨寫名字（可以用化名），並選擇各自退出的組織。這樣每個人只計一次，而且每個人的名字都能單獨從公開頁面上撤下，不影響其他人。\n'
                  '\n'
                  '如果有人未經您同意，用您的名字作了聲明，您可以對這份聲明提出申訴。審核員核實後會把它撤銷。',
  'title_en': 'May I declare for my family? Why is each person named?',
  'body_en': 'You may declare for family members or friends, but only for those who want to quit '
             "and asked you to declare for them. Quitting is each person's own decision, and "
             'nobody can make it for someone else.\n'
             '\n'
             'One declaration can cover several people (“张三 等 5 人”). Each of them is named on '
             'their own (an alias is fine) with the organizations they quit. So each person is '
             "counted once, and each person's name can be taken down on its own without affecting "
             'the others.\n'
             '\n'
             'If someone declared in your name without your consent, you can contest that '
             'declaration. A moderator looks into it and revokes it.'},
 {'order': 50,
  'title_zh_hans': '声明以后可以撤回吗？',
  'body_zh_hans': '可以。声明时您会得到一个查询密码。在“查询声明”页面输入查询密码，就能看到这份声明，并可以撤回它。\n'
                  '\n'
                  '撤回后，公开日志里会增加一条撤销条目，这份声明不再计入总数；名字、声明内容和加密封存的资料都会被删除。日志里原有的条目不会被改动——正因为如此，任何人都能核实总数。\n'
                  '\n'
                  '查询密码是撤回的唯一凭据。丢了它，声明依然有效，只是您无法自己撤回了。',
  'title_zh_hant': '聲明以後可以撤回嗎？',
  'body_zh_hant': '可以。聲明時您會得到一個查詢密碼。在「查詢聲明」頁面輸入查詢密碼，就能看到這份聲明，並可以撤回它。\n'
                  '\n'
                  '撤回後，公開日誌裡會增加一條撤銷條目，這份聲明不再計入總數；名字、聲明內容和加密封存的資料都會被刪除。日誌裡原有的條目不會被改動——正因為如此，任何人都能核實總數。\n'
                  '\n'
                  '查詢密碼是撤回的唯一憑據。丟了它，聲明依然有效，只是您無法自己撤回了。',
  'title_en': 'Can I withdraw my declaration?',
  'body_en': 'Yes. When you declare you receive a receipt code. Enter it on the page “Check a '
             'receipt” to see your declaration, and withdraw it there.\n'
             '\n'
             'A revocation entry is then added to the public log, and the declaration no longer '
             'counts; its names, its statement and its sealed details are deleted. The entries '
             'already in the log are never changed, which is what lets anyone check the count.\n'
             '\n'
             'The receipt code is the only way to withdraw. If you lose it, your declaration still '
             'counts; you only cannot withdraw it yourself.'},
 {'order': 60,
  'title_zh_hans': '总数是什么意思？怎样核实？',
  'body_zh_hans': '总数是人数，不是声明的份数：一份声明里有 5 个人，就计 5 人。每个组织另有分项数字，一个人退出几个组织，就在几个分项里各计一次。\n'
                  '\n'
                  '一个人在声明被接受、并写入公开日志后计入总数；撤回或撤销的声明会再被减去。声明每隔几分钟成批写入日志。\n'
                  '\n'
                  '公开日志每一条都经过签名，任何人都可以下载，用 tuidang-audit '
                  '重新计算总数，并确认过去的记录没有被改写。独立的见证方也会核对每一个检查点。方法见“核验总数”页面。',
  'title_zh_hant': '總數是什麼意思？怎樣核實？',
  'body_zh_hant': '總數是人數，不是聲明的份數：一份聲明裡有 5 個人，就計 5 人。每個組織另有分項數字，一個人退出幾個組織，就在幾個分項裡各計一次。\n'
                  '\n'
                  '一個人在聲明被接受、並寫入公開日誌後計入總數；撤回或撤銷的聲明會再被減去。聲明每隔幾分鐘成批寫入日誌。\n'
                  '\n'
                  '公開日誌每一條都經過簽名，任何人都可以下載，用 tuidang-audit '
                  '重新計算總數，並確認過去的記錄沒有被改寫。獨立的見證方也會核對每一個檢查點。方法見「核驗總數」頁面。',
  'title_en': 'What does the count mean, and how is it checked?',
  'body_en': 'The count is of people, not of declarations: a declaration naming 5 people counts 5. '
             'Each organization has its own figure as well; a person who quits several '
             'organizations counts once in each of them.\n'
             '\n'
             'A person is counted once their declaration is accepted and written into the public '
             'log; a declaration that is withdrawn or revoked is subtracted again. Declarations '
             'are written into the log in batches, every few minutes.\n'
             '\n'
             'Every entry of the public log is signed. Anyone can download it, recompute the count '
             'with tuidang-audit and confirm that no past entry was rewritten; independent '
             'witnesses check each checkpoint too. The page “Verify the count” explains how.'},
 {'order': 70,
  'title_zh_hans': '声明和证书有什么不同？',
  'body_zh_hans': '本站不发“退党证书”或任何证明文件。三退是您本人的表态，不需要任何组织批准，也不需要证书。\n'
                  '\n'
                  '您声明后得到的查询密码，只用来查询和撤回这份声明。可以下载的“日志收录凭据”（.tlog-proof '
                  '文件）只证明某一条记录在公开日志里，并不证明您是谁，也不能拿给任何单位作证明。为了安全，不需要的话不要下载，下载了也不要保存在手机里。',
  'title_zh_hant': '聲明和證書有什麼不同？',
  'body_zh_hant': '本站不發「退黨證書」或任何證明文件。三退是您本人的表態，不需要任何組織批准，也不需要證書。\n'
                  '\n'
                  '您聲明後得到的查詢密碼，只用來查詢和撤回這份聲明。可以下載的「日誌收錄憑據」（.tlog-proof '
                  '檔案）只證明某一條記錄在公開日誌裡，並不證明您是誰，也不能拿給任何單位作證明。為了安全，不需要的話不要下載，下載了也不要儲存在手機裡。',
  'title_en': 'How is a declaration different from a certificate?',
  'body_en': 'This site issues no certificate of quitting and no other document. Quitting is your '
             "own statement; it needs no organization's approval and no certificate.\n"
             '\n'
             'The receipt code you receive when you declare serves only to look up and withdraw '
             'your declaration. The “log inclusion record” you can download (a .tlog-proof file) '
             'proves only that an entry is in the public log. It does not prove who you are and is '
             'not a document to show anyone. For your safety, do not download it unless you need '
             'it, and do not keep it on your phone.'},
 {'order': 80,
  'title_zh_hans': '三退安全吗？',
  'body_zh_hans': '本站不保存您的 IP 地址，不记录访问时间，也不从其他网站加载任何内容。公开的只有日期，而且声明是成批、随机顺序公布的，别人看不出您是几点声明的。\n'
                  '\n'
                  '化名、出生年份、联系方式等私密资料一提交就立即加密封存，本站服务器自己也无法解读；撤回时会全部删除。\n'
                  '\n'
                  '在中国大陆，请用 Tor 浏览器或翻墙工具访问本站，并用化名声明，把查询密码抄在纸上而不是存在手机里。详见“安全访问”页面。',
  'title_zh_hant': '三退安全嗎？',
  'body_zh_hant': '本站不儲存您的 IP 地址，不記錄訪問時間，也不從其他網站載入任何內容。公開的只有日期，而且聲明是成批、隨機順序公佈的，別人看不出您是幾點聲明的。\n'
                  '\n'
                  '化名、出生年份、聯絡方式等私密資料一提交就立即加密封存，本站伺服器自己也無法解讀；撤回時會全部刪除。\n'
                  '\n'
                  '在中國大陸，請用 Tor 瀏覽器或翻牆工具訪問本站，並用化名聲明，把查詢密碼抄在紙上而不是存在手機裡。詳見「安全訪問」頁面。',
  'title_en': 'Is it safe to quit?',
  'body_en': 'This site keeps no IP address and no time of your visit, and loads nothing from '
             'other sites. Only dates are published, and declarations are published in batches, in '
             'random order, so nobody can tell at what time you declared.\n'
             '\n'
             'Private details (the real name behind an alias, the year of birth, a contact) are '
             'sealed the moment they arrive; even this server cannot read them, and withdrawing '
             'deletes them.\n'
             '\n'
             'In mainland China, reach this site with Tor Browser or a circumvention tool, declare '
             'under an alias, and write your receipt code on paper rather than keep it on your '
             'phone. The page “Reaching this site safely” explains how.'}]


def add_shipped(apps, schema_editor) -> None:
    Entry = apps.get_model("pages", "Entry")
    if Entry.objects.filter(kind="question").exists():
        return
    today = datetime.date(2026, 12, 7)
    Entry.objects.bulk_create(
        Entry(kind="question", published=True, updated_on=today, **row) for row in SHIPPED)


class Migration(migrations.Migration):

    dependencies = [("pages", "0001_initial")]

    operations = [migrations.RunPython(add_shipped, migrations.RunPython.noop)]
