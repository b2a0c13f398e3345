"""A synthetic Chinese news site, written to disk and served by nginx, for throughput benchmarks.

Crawl benchmarks against real sites measure the network and the sites' politeness limits, not
the crawler; the bundled demo site is too small to load it. This site is as large as asked,
the same for the same seed (so runs compare), served by nginx (so the server is never the
bottleneck), and comes with its truth, so a benchmark can check quality while it measures
speed. Run from the repository root::

    python bench/synthetic_site.py DIR [--articles N] [--seed S] [--base-url URL] [--serve PORT]

It writes ``DIR/www/`` (the site), ``DIR/manifest.jsonl`` (every article's URL, file, encoding
and truth, for ``scrapy replay`` and ``../shared/tools/score_extraction.py``) and
``DIR/synthetic.toml`` (a site file: ``scrapy crawl news -a site=DIR/synthetic.toml``). The
absolute URLs in the manifest, the site file, the sitemap, the RSS feed and robots.txt all
start with the base URL, so the site must be served there: ``--serve PORT`` serves it at
``http://127.0.0.1:PORT`` (the default base URL then) until Ctrl-C.

The pages mimic three kinds of templates of Chinese news sites (a portal with an info bar; a
modern page with meta tags and JSON-LD; a bare one with a Chinese date line and the reporter
in the first paragraph); every fifth page is GBK; one in twenty reposts an earlier article.
"""

from __future__ import annotations

import argparse
import bisect
import html
import json
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from types import TracebackType

SITE_NAME = "合成新闻网"
DEFAULT_BASE_URL = "http://127.0.0.1:8089"
CST = timezone(timedelta(hours=8))
LAST_DAY = datetime(2026, 11, 1, tzinfo=CST)
DAYS = 60
LIST_PAGE_SIZE = 50
RSS_SIZE = 100
RELATED_LINKS = 5
GBK_EVERY = 5
REPOST_SHARE = 0.05
TITLE_LENGTH = (12, 28)
NGINX = "/usr/sbin/nginx"
NGINX_START_SECONDS = 10.0
NGINX_STOP_SECONDS = 10.0

# Word pools: common characters only, all of them in GBK.
PLACES = (
    "北京 上海 广州 深圳 天津 重庆 成都 武汉 杭州 南京 西安 长沙 郑州 济南 青岛 沈阳 大连 "
    "哈尔滨 长春 石家庄 太原 合肥 福州 厦门 南昌 昆明 贵阳 南宁 海口 兰州 西宁 银川 乌鲁木齐 "
    "呼和浩特 苏州 宁波 无锡 佛山 东莞 温州 烟台 洛阳 襄阳 宜昌 绵阳 遵义 桂林 三亚 扬州 "
    "徐州 泉州 潍坊 唐山 保定 赣州 柳州 株洲 芜湖"
).split()
AGENCIES = (
    "市政府 区人民政府 市发展改革委 市交通运输局 市教育局 市卫生健康委 市生态环境局 市商务局 "
    "市场监管局 市住房城乡建设局 市农业农村局 市文化和旅游局 市科技局 市应急管理局 市水务局 "
    "高新区管委会 经济技术开发区管委会 市人力资源社会保障局 市医疗保障局 市民政局 市财政局"
).split()
DOCUMENTS = (
    "工作方案 实施意见 年度计划 改革措施 行动计划 管理办法 扶持政策 若干措施 三年行动方案 "
    "实施细则 指导意见"
).split()
DOCUMENT_ACTIONS = "印发 出台 发布 公布 研究部署 正式实施".split()
WORKS = (
    "重点工程 城市更新项目 老旧小区改造 产业园区建设 交通枢纽工程 生态修复工程 水利设施建设 "
    "充电设施建设 冷链物流基地 口袋公园建设 智慧社区建设 养老服务网络 绿色低碳项目 "
    "轨道交通线路 污水处理厂改造 保障性住房建设 医院扩建工程 学校新建项目"
).split()
WORK_ACTIONS = "启动 推进 建成 加快推进 完成 开工建设 验收".split()
EVENTS = (
    "专项行动 消费提振活动 文化惠民活动 职业技能培训 防汛应急演练 营商环境评估 就业服务活动 "
    "安全生产检查 垃圾分类宣传 义诊进社区活动 科普宣传周 招商推介会"
).split()
EVENT_ACTIONS = "开展 举办 启动 部署 组织".split()
DOINGS = ((DOCUMENT_ACTIONS, DOCUMENTS), (WORK_ACTIONS, WORKS), (EVENT_ACTIONS, EVENTS))
WHEN = "近日 日前 本月初 上周 昨天 近期 连日来 本周".split()
PERIODS = "今年以来 前三季度 今年上半年 1至9月 三季度 9月份 过去一年".split()
# An indicator, its unit, and the range of its values (for a city, over the period).
INDICATORS = (
    ("地区生产总值", "亿元", 800, 28000),
    ("社会消费品零售总额", "亿元", 300, 12000),
    ("固定资产投资", "亿元", 200, 8000),
    ("进出口总额", "亿元", 100, 30000),
    ("旅游收入", "亿元", 50, 3000),
    ("实际使用外资", "亿美元", 1, 200),
    ("接待游客", "万人次", 500, 20000),
    ("城镇新增就业", "万人", 1, 40),
    ("新能源汽车产量", "万辆", 1, 200),
    ("快递业务量", "亿件", 1, 80),
    ("粮食产量", "万吨", 50, 3000),
    ("全社会用电量", "亿千瓦时", 100, 2000),
    ("港口集装箱吞吐量", "万标箱", 50, 4000),
)
ACTORS = (
    "一家新能源企业 当地一所高校 一家物流企业 一家三甲医院 一家农业合作社 一家电商平台 "
    "一家外贸企业 一家制造业企业 一家文旅企业"
).split()
CLAUSES = (
    "这项工作关系到群众的切身利益 下一步将继续加大投入力度 我们会把好事办好、实事办实 "
    "项目建成后将惠及周边数十万居民 相关措施已经取得了明显成效 今后还会根据群众需求不断完善 "
    "希望更多企业参与进来 这对于稳定预期、提振信心具有重要意义 很多细节都考虑得很周到 "
    "现在办事比以前方便多了 接下来将重点解决群众反映集中的问题 整个流程会更加公开透明 "
    "我们对明年的发展充满信心 数字化手段让管理效率明显提高 关键是要把政策落到实处 "
    "这些变化大家都看在眼里 孩子上学比原来近了不少 我们将按照时间节点倒排工期 "
    "新政策帮我们解决了实际困难 下一步会加强部门之间的协同 我们还会听取更多群众的意见 "
    "这既是机遇也是挑战 目前各项准备工作已经就绪 我们有信心按期完成任务 "
    "老百姓最关心的就是这些事 希望这样的活动能多办一些 技术进步带来了新的发展空间 "
    "年底前还将推出一批新举措 关键在于持续用力、久久为功 订单比去年同期多了不少"
).split()
OUTCOMES = (
    "整体进度符合预期 部分项目已提前完工 群众满意度持续提升 各项指标稳中有进 "
    "市场活力进一步增强 服务效率明显提高 覆盖范围不断扩大 运行总体平稳有序 "
    "带动效应逐步显现 相关投诉量明显下降 办事时间平均缩短一半 参与人数创历年新高 "
    "首批试点已顺利完成 企业反映普遍较好 后续工作正在有序推进 多项任务提前完成 "
    "资金已全部拨付到位 周边交通明显改善 沿线居民出行更加便利 产业链条不断延伸 "
    "新增就业岗位数千个 审批环节大幅精简 安全隐患得到及时整改 公共服务短板加快补齐 "
    "社会反响良好 年度目标有望超额完成 群众办事不再来回跑 营商环境持续优化"
).split()
NOTES = (
    "含续建项目 不含跨区域项目 其中新开工项目过半 涉及多个部门 按年度计划分批实施 "
    "资金由市区两级共同承担 社会资本占比超过三成 分三期建设 部分子项目已进入验收阶段"
).split()
REACTIONS = (
    "纷纷点赞 表示欢迎 期待早日落地 认为很有必要 希望长期坚持 给予好评 主动参与进来 "
    "表示受益良多 建议扩大覆盖范围"
).split()
PEOPLE = "不少市民 周边居民 参与企业 前来办事的群众 游客 家长们 沿线商户 老年居民 外卖骑手".split()
MEASURES = (
    "简化审批流程 延长服务时间 增设便民服务点 开通线上预约渠道 加大财政补贴力度 "
    "引入社会资本参与 建立定期回访机制 完善考核评价办法 推行“一网通办” 设立专项资金 "
    "组建专家服务团队 开展常态化督导检查"
).split()
GOALS = (
    "确保各项工作落到实处 进一步提升群众获得感 为高质量发展提供有力支撑 "
    "让更多市民享受到改革红利 推动形成长效机制 切实减轻企业负担 守住安全发展底线 "
    "更好满足群众多样化需求"
).split()
PARTICIPANTS = "市民 志愿者 中小学生 企业代表 社区居民 医护人员 高校毕业生 退休职工".split()
ACTIVITIES = (
    "互动体验 政策咨询 现场招聘 技能比赛 义务植树 健康讲座 非遗展示 消防演练 "
    "垃圾分类知识问答 便民义诊"
).split()
SURNAMES = (
    "王 李 张 刘 陈 杨 黄 吴 周 徐 孙 马 朱 胡 郭 何 林 高 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 "
    "曹 彭 曾 肖 田 董 潘 袁 蔡 蒋 余 于 杜 叶 程 魏 苏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 "
    "范 金 石 廖 贾 夏 韦 方 白 邹 孟 熊 秦 邱 江 尹 薛 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵"
).split()
GIVEN_NAMES = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建国 建华 志强 海燕 "
    "晓东 晓梅 文博 子涵 浩然 雨欣 俊杰 思远 嘉怡 宇航 天翔 欣怡 梓萱 明轩 一鸣 慧敏 春华 立新 "
    "永刚 玉兰 红梅 佳琪 振宇 凯 鹏 琳 婷 雪 飞 斌 宁 帆 颖 亮 倩 昊"
).split()
OUTLETS = (
    "新华社 人民日报 经济日报 中国新闻网 光明日报 中国日报 央视新闻 科技日报 工人日报 "
    "中国青年报 法治日报 农民日报 北京日报 解放日报 南方日报 新京报 澎湃新闻 羊城晚报"
).split()


@dataclass
class Article:
    """One article as generated, before it is rendered by its template."""

    number: int
    published: datetime
    template: str
    title: str
    paragraphs: list[list[str]]
    """Sentences by paragraph; a repost changes one sentence of its original's copy."""
    authors: list[str]
    source: str
    editor: str | None
    reposted_from: str | None
    related: list[Article]

    @property
    def path(self) -> str:
        return f"/news/{self.published:%Y/%m/%d}/{self.number:06d}.html"

    @property
    def encoding(self) -> str:
        return "gbk" if self.number % GBK_EVERY == 0 else "utf-8"

    def shown_paragraphs(self) -> list[str]:
        """The paragraphs as a reader sees them: template C opens the first with the byline."""
        texts = ["".join(sentences) for sentences in self.paragraphs]
        if self.template == "C":
            texts[0] = f"（记者 {' '.join(self.authors)}）{texts[0]}"
        return texts


class Writer:
    """Chinese headlines, sentences and names from the word pools, all from one random stream
    so that a seed gives the same site on every machine."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.titles: set[str] = set()
        self.sentence_kinds: tuple[Callable[[], str], ...] = (
            self.announcement,
            self.progress,
            self.quote,
            self.investment,
            self.statistic,
            self.reaction,
            self.measure,
            self.event,
        )

    def pick(self, pool: list[str]) -> str:
        return self.rng.choice(pool)

    def percent(self) -> str:
        return f"{self.rng.randint(1, 39)}.{self.rng.randint(0, 9)}%"

    def name(self) -> str:
        return self.pick(SURNAMES) + self.pick(GIVEN_NAMES)

    def names(self, count: int) -> list[str]:
        chosen: list[str] = []
        while len(chosen) < count:
            if (name := self.name()) not in chosen:
                chosen.append(name)
        return chosen

    def doing(self) -> str:
        """An action and what it acts on, matched: documents are issued, works built."""
        actions, objects = self.rng.choice(DOINGS)
        return self.pick(actions) + self.pick(objects)

    def title(self) -> str:
        """A headline of 12 to 28 characters that no other article of the site has."""
        low, high = TITLE_LENGTH
        while True:
            place = self.pick(PLACES)
            indicator = self.rng.choice(INDICATORS)[0]
            title = self.rng.choice(
                (
                    f"{place}{self.doing()}，{self.pick(OUTCOMES)}",
                    f"{place}{self.pick(PERIODS)}{indicator}同比增长{self.percent()}",
                    f"{place}：{self.pick(WORKS)}{self.rng.randint(3, 90)}个子项目年内完工",
                    f"{place}{self.pick(AGENCIES)}{self.doing()}",
                    f"{place}{self.pick(EVENTS)}吸引{self.rng.randint(2, 90)}万人次参与",
                )
            )
            if low <= len(title) <= high and title not in self.titles:
                self.titles.add(title)
                return title

    def paragraphs(self) -> list[list[str]]:
        return [
            [self.sentence() for _ in range(self.rng.randint(2, 4))]
            for _ in range(self.rng.randint(6, 14))
        ]

    def sentence(self) -> str:
        return self.rng.choice(self.sentence_kinds)()

    def announcement(self) -> str:
        return (
            f"{self.pick(WHEN)}，{self.pick(PLACES)}{self.pick(AGENCIES)}{self.doing()}，"
            f"{self.pick(OUTCOMES)}。"
        )

    def progress(self) -> str:
        return (
            f"据{self.pick(AGENCIES)}介绍，{self.pick(WORKS)}已完成"
            f"{self.rng.randint(20, 98)}%，{self.pick(OUTCOMES)}。"
        )

    def quote(self) -> str:
        speaker = self.rng.choice(
            (
                f"{self.pick(AGENCIES)}相关负责人",
                f"{self.pick(ACTORS)}负责人",
                "市民",
                "业内专家",
            )
        )
        return f"{speaker}{self.name()}表示：“{self.pick(CLAUSES)}，{self.pick(CLAUSES)}。”"

    def investment(self) -> str:
        return (
            f"{self.pick(PLACES)}{self.pick(WORKS)}共包括{self.rng.randint(3, 60)}个子项目，"
            f"总投资约{self.rng.randint(2, 900)}.{self.rng.randint(1, 9)}亿元"
            f"（{self.pick(NOTES)}）。"
        )

    def statistic(self) -> str:
        indicator, unit, low, high = self.rng.choice(INDICATORS)
        return (
            f"数据显示，{self.pick(PERIODS)}{self.pick(PLACES)}{indicator}达到"
            f"{self.rng.randint(low, high)}.{self.rng.randint(0, 9)}{unit}，同比增长"
            f"{self.percent()}。"
        )

    def reaction(self) -> str:
        return f"对此，{self.pick(PEOPLE)}{self.pick(REACTIONS)}，{self.pick(OUTCOMES)}。"

    def measure(self) -> str:
        first, second = self.rng.sample(MEASURES, 2)
        return f"下一步，{self.pick(PLACES)}还将{first}、{second}，{self.pick(GOALS)}。"

    def event(self) -> str:
        return (
            f"活动现场，{self.rng.randint(2, 90) * 10}余名{self.pick(PARTICIPANTS)}参加了"
            f"{self.pick(ACTIVITIES)}，{self.pick(OUTCOMES)}。"
        )


def plan(count: int, seed: int) -> list[Article]:
    """Every article of the site, numbered in publish order so that a repost's original is
    always older than the repost."""
    rng = random.Random(seed)
    writer = Writer(rng)
    first = LAST_DAY - timedelta(days=DAYS)
    stamps: list[tuple[datetime, str]] = []
    for _ in range(count):
        template = rng.choice("ABC")
        when = first + timedelta(seconds=rng.randrange(DAYS * 86400))
        # template C shows the minute only: the site's own record of the time is that minute
        stamps.append((when.replace(second=0) if template == "C" else when, template))
    stamps.sort()
    reposts = set(rng.sample(range(1, count), round(count * REPOST_SHARE)))
    articles: list[Article] = []
    times = [when for when, _ in stamps]
    for index, (when, template) in enumerate(stamps):
        article = Article(
            number=index + 1,
            published=when,
            template=template,
            title=writer.title(),
            paragraphs=writer.paragraphs(),
            authors=writer.names(rng.randint(1, 2)),
            source=writer.pick(OUTLETS),
            editor=None,
            reposted_from=None,
            related=[],
        )
        older = articles[: bisect.bisect_left(times, when)] if index in reposts else []
        originals = [a for a in older if not a.reposted_from]
        if originals:
            original = rng.choice(originals)
            copy = [list(sentences) for sentences in original.paragraphs]
            sentences = rng.choice(copy)
            sentences[rng.randrange(len(sentences))] = writer.sentence()
            article.paragraphs, article.authors = copy, list(original.authors)
            article.reposted_from = original.source
            article.source = rng.choice([o for o in OUTLETS if o != original.source])
        if template == "A" and rng.random() < 0.7:
            article.editor = writer.name()
            while article.editor in article.authors:
                article.editor = writer.name()
        articles.append(article)
    for article in articles:
        others = rng.sample(range(count - 1), min(RELATED_LINKS, count - 1))
        article.related = [articles[i + (i >= article.number - 1)] for i in others]
    return articles


# --- page chrome ------------------------------------------------------------------------------

NAV = (
    ("/index.html", "首页"),
    ("/news/index.html", "新闻"),
    ("/news/index.html", "滚动"),
    ("/about.html", "关于我们"),
)
FOOTER = (
    '<p><a href="/about.html">关于我们</a> | <a href="/about.html#contact">联系我们</a> | '
    '<a href="/about.html#ads">广告服务</a> | <a href="/about.html#jobs">招聘信息</a></p>'
    f"<p>Copyright &copy; 2026 {SITE_NAME} 版权所有 未经授权禁止转载</p>"
    '<p><a href="https://beian.miit.gov.cn/" rel="nofollow">京ICP备20261101号-1</a> '
    "京公网安备11010502061101号 互联网新闻信息服务许可证编号：11120260001</p>"
)
SHARE = (
    '分享到：<a href="javascript:void(0)" class="wechat">微信</a>'
    '<a href="javascript:void(0)" class="weibo">微博</a>'
    '<a href="javascript:void(0)" class="qzone">QQ空间</a>'
    '<a href="javascript:window.print()" class="print">打印</a>'
)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def nav_links() -> str:
    return "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in NAV)


def related_items(article: Article) -> str:
    return "".join(f'<li><a href="{a.path}">{esc(a.title)}</a></li>' for a in article.related)


def head(article: Article, title: str, extra: str = "") -> str:
    description = esc(article.paragraphs[0][0])
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="{article.encoding}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n"
        f'<meta name="keywords" content="{SITE_NAME},新闻,{esc(article.source)}">\n'
        f'<meta name="description" content="{description}">\n{extra}'
        '<link rel="stylesheet" href="/static/css/article.css">\n</head>\n'
    )


def paragraphs_html(texts: Iterable[str]) -> str:
    return "".join(f"<p>{esc(text)}</p>\n" for text in texts)


# --- the three templates ----------------------------------------------------------------------


def portal_page(article: Article) -> str:
    """An older portal: info bar under the headline, half-width colons, editor credit last."""
    info = (
        f"发布时间:{article.published:%Y-%m-%d %H:%M:%S} 来源:{esc(article.source)} "
        f"作者:{esc(' '.join(article.authors))}"
    )
    repost = (
        f'<p class="zz">本文转自:{esc(article.reposted_from)}</p>\n'
        if article.reposted_from
        else ""
    )
    editor = (
        f'<p class="editor" style="text-align:right">(责任编辑:{esc(article.editor)})</p>\n'
        if article.editor
        else ""
    )
    return (
        head(article, f"{article.title}_{SITE_NAME}")
        + '<body>\n<div class="top-bar"><span>欢迎访问'
        + SITE_NAME
        + '</span> <a href="/about.html#login">登录</a> <a href="/about.html#register">注册</a>'
        '</div>\n<div class="header"><div class="logo"><a href="/index.html">'
        + SITE_NAME
        + '</a></div><form class="search" action="/search"><input name="q" placeholder="搜索新闻">'
        '<button type="submit">搜索</button></form></div>\n'
        f'<div class="nav"><ul>{nav_links()}</ul></div>\n'
        '<div class="crumb">当前位置：<a href="/index.html">首页</a> &gt; '
        '<a href="/news/index.html">新闻</a> &gt; 正文</div>\n'
        '<div class="main">\n<div class="left">\n'
        f"<h1>{esc(article.title)}</h1>\n"
        f'<div class="info">{info}</div>\n{repost}'
        f'<div class="article-content">\n{paragraphs_html(article.shown_paragraphs())}'
        f"{editor}</div>\n"
        f'<div class="share">{SHARE}</div>\n</div>\n'
        '<div class="right">\n<div class="sidebar"><h3>相关新闻</h3>'
        f"<ul>{related_items(article)}</ul></div>\n</div>\n</div>\n"
        f'<div class="footer">{FOOTER}</div>\n</body>\n</html>\n'
    )


def modern_page(article: Article) -> str:
    """A newer page: meta tags and JSON-LD carry the exact time and authors."""
    stamp = article.published.isoformat()
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": stamp,
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "publisher": {"@type": "Organization", "name": SITE_NAME},
    }
    extra = (
        f'<meta property="og:title" content="{esc(article.title)}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="article:published_time" content="{stamp}">\n'
        f'<meta name="author" content="{esc("、".join(article.authors))}">\n'
        '<script type="application/ld+json">'
        f"{json.dumps(ld, ensure_ascii=False)}</script>\n"
    )
    repost = (
        f'<p class="repost-note">本文转自：{esc(article.reposted_from)}</p>\n'
        if article.reposted_from
        else ""
    )
    return (
        head(article, f"{article.title} | {SITE_NAME}", extra)
        + '<body>\n<header class="site-header"><a class="logo" href="/index.html">'
        + SITE_NAME
        + f"</a><nav><ul>{nav_links()}</ul></nav></header>\n"
        '<main class="container">\n<div class="article-main">\n'
        f'<h1 class="article-title">{esc(article.title)}</h1>\n'
        f'<div class="article-meta"><span class="date">{article.published:%Y-%m-%d %H:%M}</span> '
        f'<span class="source">来源：{esc(article.source)}</span> '
        f'<span class="byline">记者 {esc(" ".join(article.authors))}</span></div>\n'
        f"{repost}<article>\n{paragraphs_html(article.shown_paragraphs())}</article>\n"
        f'<div class="share-bar">{SHARE}</div>\n</div>\n'
        f'<aside class="sidebar"><h2>相关阅读</h2><ul>{related_items(article)}</ul></aside>\n'
        f"</main>\n<footer>{FOOTER}</footer>\n</body>\n</html>\n"
    )


def minimal_page(article: Article) -> str:
    """A bare page: a Chinese date line to the minute, the reporter inside the first paragraph."""
    when = article.published
    repost = f"<p>本文转自：{esc(article.reposted_from)}</p>\n" if article.reposted_from else ""
    return (
        head(article, f"{article.title}-{SITE_NAME}")
        + f'<body>\n<div id="header"><a href="/index.html">{SITE_NAME}</a></div>\n'
        f'<div id="nav"><ul>{nav_links()}</ul></div>\n'
        f"<h1>{esc(article.title)}</h1>\n"
        f'<div class="time">{when.year}年{when.month}月{when.day}日 {when:%H:%M} '
        f"来源：{esc(article.source)}</div>\n"
        f'{repost}<div id="content">\n{paragraphs_html(article.shown_paragraphs())}</div>\n'
        f'<div id="share">{SHARE}</div>\n'
        f'<div id="related"><h3>相关链接</h3><ul>{related_items(article)}</ul></div>\n'
        f'<div id="footer">{FOOTER}</div>\n</body>\n</html>\n'
    )


TEMPLATES: dict[str, Callable[[Article], str]] = {
    "A": portal_page,
    "B": modern_page,
    "C": minimal_page,
}


# --- the rest of the site ---------------------------------------------------------------------


def plain_page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n</head>\n<body>\n"
        f'<div class="header"><a href="/index.html">{SITE_NAME}</a></div>\n'
        f'<div class="nav"><ul>{nav_links()}</ul></div>\n{body}'
        f'<div class="footer">{FOOTER}</div>\n</body>\n</html>\n'
    )


def list_href(number: int) -> str:
    return "/news/index.html" if number == 1 else f"/news/list-{number}.html"


def list_pages(newest_first: list[Article]) -> Iterable[tuple[str, str]]:
    """The paginated archive, each page linking the next (下一页) as portals do."""
    count = max(1, -(-len(newest_first) // LIST_PAGE_SIZE))
    for number in range(1, count + 1):
        chunk = newest_first[(number - 1) * LIST_PAGE_SIZE : number * LIST_PAGE_SIZE]
        items = "".join(
            f'<li><a href="{a.path}">{esc(a.title)}</a>'
            f'<span class="time">{a.published:%Y-%m-%d %H:%M}</span></li>\n'
            for a in chunk
        )
        pager = [f'<a href="{list_href(1)}">首页</a>']
        if number > 1:
            pager.append(f'<a href="{list_href(number - 1)}">上一页</a>')
        pager.append(f"<span>第{number}页 共{count}页</span>")
        if number < count:
            pager.append(f'<a href="{list_href(number + 1)}">下一页</a>')
        body = (
            f'<h2>新闻</h2>\n<ul class="news-list">\n{items}</ul>\n'
            f'<div class="pager">{" ".join(pager)}</div>\n'
        )
        yield list_href(number), plain_page(f"新闻_第{number}页_{SITE_NAME}", body)


def home_page(newest_first: list[Article]) -> str:
    items = "".join(f'<li><a href="{a.path}">{esc(a.title)}</a></li>\n' for a in newest_first[:10])
    body = (
        f'<h2>要闻</h2>\n<ul class="top-news">\n{items}</ul>\n'
        '<p><a href="/news/index.html">更多新闻</a></p>\n'
    )
    return plain_page(f"{SITE_NAME}_首页", body)


def about_page() -> str:
    body = (
        f"<h2>关于我们</h2>\n<p>{SITE_NAME}是用于抓取性能测试的合成站点，内容均为程序生成。</p>\n"
        '<h3 id="contact">联系我们</h3>\n<p>电话：010-12345678</p>\n'
        '<h3 id="ads">广告服务</h3>\n<p>暂无。</p>\n<h3 id="jobs">招聘信息</h3>\n<p>暂无。</p>\n'
    )
    return plain_page(f"关于我们_{SITE_NAME}", body)


def sitemap(articles: list[Article], base_url: str) -> str:
    entries = "".join(
        f"<url><loc>{base_url}{a.path}</loc><lastmod>{a.published.isoformat()}</lastmod></url>\n"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n'
    )


def rss(newest_first: list[Article], base_url: str) -> str:
    items = "".join(
        f"<item><title>{esc(a.title)}</title><link>{base_url}{a.path}</link>"
        f'<guid isPermaLink="true">{base_url}{a.path}</guid>'
        f"<pubDate>{format_datetime(a.published)}</pubDate>"
        f"<description>{esc(a.paragraphs[0][0])}</description></item>\n"
        for a in newest_first[:RSS_SIZE]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n'
        f"<title>{SITE_NAME}</title><link>{base_url}/index.html</link>"
        f"<description>{SITE_NAME}最新新闻</description><language>zh-cn</language>\n"
        f"{items}</channel></rss>\n"
    )


def site_file(base_url: str, list_count: int) -> str:
    """A site file for the spider, without [settings]: benchmarks choose the settings."""
    return (
        f'display_name = "{SITE_NAME}"\n'
        f'start_urls = ["{base_url}/news/index.html"]\n'
        'timezone = "Asia/Shanghai"\n'
        f"list_depth = {list_count}\n"
        "article_urls = ['/news/\\d{4}/\\d{2}/\\d{2}/\\d{6,}\\.html$']\n"
        "list_urls = ['/news/(index|list-\\d+)\\.html$']\n"
    )


def truth(article: Article) -> dict[str, object]:
    """What a good extractor outputs: the content is the text of the content's ``<p>``
    elements exactly as shown (template C's reporter credit included), without the repost line
    before it or the editor credit after it."""
    return {
        "title": article.title,
        "content": "\n".join(article.shown_paragraphs()),
        "authors": article.authors,
        "publish_time": article.published.isoformat(),
        "source": article.source,
        "reposted_from": article.reposted_from,
    }


def generate(
    directory: Path, articles: int = 5000, seed: int = 7, base_url: str = DEFAULT_BASE_URL
) -> None:
    """Write the site to ``directory/www/`` (replacing what was there), with
    ``manifest.jsonl`` and ``synthetic.toml`` beside it. Absolute URLs start with ``base_url``,
    so the site must be served there."""
    base_url = base_url.rstrip("/")
    www = directory / "www"
    if www.exists():
        shutil.rmtree(www)
    (www / "news").mkdir(parents=True)
    all_articles = plan(articles, seed)
    newest_first = sorted(all_articles, key=lambda a: (a.published, a.number), reverse=True)
    folders: set[Path] = set()
    manifest: list[str] = []
    for article in all_articles:
        path = www / article.path.lstrip("/")
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        path.write_bytes(TEMPLATES[article.template](article).encode(article.encoding))
        entry = {
            "url": base_url + article.path,
            "path": f"www{article.path}",
            "encoding": article.encoding,
            "truth": truth(article),
        }
        manifest.append(json.dumps(entry, ensure_ascii=False) + "\n")
    lists = list(list_pages(newest_first))
    for href, page in lists:
        (www / href.lstrip("/")).write_text(page, encoding="utf-8")
    (www / "index.html").write_text(home_page(newest_first), encoding="utf-8")
    (www / "about.html").write_text(about_page(), encoding="utf-8")
    (www / "sitemap.xml").write_text(sitemap(all_articles, base_url), encoding="utf-8")
    (www / "rss.xml").write_text(rss(newest_first, base_url), encoding="utf-8")
    (www / "robots.txt").write_text(
        f"User-agent: *\nDisallow: /search\nSitemap: {base_url}/sitemap.xml\n", encoding="utf-8"
    )
    (directory / "manifest.jsonl").write_text("".join(manifest), encoding="utf-8")
    (directory / "synthetic.toml").write_text(site_file(base_url, len(lists)), encoding="utf-8")


# --- serving ----------------------------------------------------------------------------------

NGINX_CONFIG = """\
daemon off;
master_process on;
worker_processes 1;
user root;
error_log "{tmp}/error.log";
pid "{tmp}/nginx.pid";
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    sendfile on;
    keepalive_timeout 65;
    types {{
        text/html html;
        application/xml xml;
        text/plain txt;
    }}
    default_type application/octet-stream;
    client_body_temp_path "{tmp}/client_body";
    proxy_temp_path "{tmp}/proxy";
    fastcgi_temp_path "{tmp}/fastcgi";
    uwsgi_temp_path "{tmp}/uwsgi";
    scgi_temp_path "{tmp}/scgi";
    server {{
        listen 127.0.0.1:{port};
        root "{root}";
        index index.html;
    }}
}}
"""


class Nginx:
    """nginx serving ``root`` on 127.0.0.1:``port``, so that a crawl benchmark measures the
    crawler rather than a Python test server. Everything nginx writes stays in a temporary
    folder, removed on exit. No charset goes into Content-Type: the pages declare theirs, as
    the GBK ones must."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root.resolve()
        self.port = port
        self._tmp: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        tmp = self._tmp = Path(tempfile.mkdtemp(prefix="synthetic-nginx-"))
        config = tmp / "nginx.conf"
        config.write_text(NGINX_CONFIG.format(tmp=tmp, port=self.port, root=self.root))
        try:
            # its own session: a Ctrl-C meant for the benchmark must not stop nginx under it
            self._process = subprocess.Popen(
                [NGINX, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(config)],
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            self._wait_until_serving(tmp, self._process)
        except BaseException:
            self._stop()
            raise
        return f"http://127.0.0.1:{self.port}"

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()

    def _wait_until_serving(self, tmp: Path, process: subprocess.Popen[bytes]) -> None:
        """Until the port answers; nginx writes its pid file only once it holds the port, so
        another server already listening there is not mistaken for it."""
        deadline = time.monotonic() + NGINX_START_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log = (tmp / "error.log").read_text(errors="replace")
                raise RuntimeError(f"nginx exited with {process.returncode}:\n{log}")
            if (tmp / "nginx.pid").exists():
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not answer on port {self.port} in {NGINX_START_SECONDS} s")

    def _stop(self) -> None:
        """A graceful stop (SIGQUIT lets workers finish their requests), a kill if it hangs."""
        if self._process is not None:
            self._process.send_signal(signal.SIGQUIT)
            try:
                self._process.wait(timeout=NGINX_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate, and serve, a synthetic news site.")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--base-url",
        help=f"where the site will be served (default: {DEFAULT_BASE_URL}, or with --serve "
        "http://127.0.0.1:PORT)",
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help="then serve it until Ctrl-C")
    args = parser.parse_args(argv)
    base_url = args.base_url or (
        f"http://127.0.0.1:{args.serve}" if args.serve else DEFAULT_BASE_URL
    )
    started = time.perf_counter()
    generate(args.directory, args.articles, args.seed, base_url)
    print(
        f"{args.articles} articles in {args.directory} in {time.perf_counter() - started:.1f} s "
        f"for {base_url}"
    )
    if args.serve:
        # nginx runs in its own session, so it dies only through Nginx.__exit__: stop on a kill
        # as on Ctrl-C, and on Ctrl-C even when started in the background (which ignores it)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with Nginx(args.directory / "www", args.serve) as url:
            print(f"serving {url}/index.html; Ctrl-C stops", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass


if __name__ == "__main__":
    main()
