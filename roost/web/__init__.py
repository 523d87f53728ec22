"""The dashboard: every step of the lab without a terminal, and what AWS's console cannot show.

Pages are rendered on the server (Jinja2) from the same operations the API answers, called
in-process (`ConfigApi.call`), so a page and a boto3 call can never disagree. No front-end build and
nothing from a CDN: one stylesheet, a little plain JavaScript, charts drawn as inline SVG.

    app.py          Dashboard: routes, who is signed in, rendering, the page registry
    pages/          one module per area (home, rules, resources, recorder, aggregators, functions)
    templates/      Jinja2 templates: base.html is the layout every page extends
    static/         style.css, app.js
"""
