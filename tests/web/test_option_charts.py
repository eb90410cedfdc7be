"""The cost–value chart of options."""

from __future__ import annotations

import re

from deliberate.charts import cost_value_chart


def test_the_chart_describes_every_option_and_the_frontier_in_words() -> None:
    values = {
        "Keep today's clinics": 0.353,
        "Hub <&> spoke": 0.356,
        "Digital": 0.291,
        "Unknown cost": 0.2,
    }
    costs = {"Keep today's clinics": 4.2e6, "Hub <&> spoke": 3.6e6, "Digital": 2.9e6}
    chart = str(cost_value_chart(values, costs, ["Digital", "Hub <&> spoke"], unit="£ a year"))
    assert 'role="img"' in chart and "Hub &lt;&amp;&gt; spoke" in chart and "<&>" not in chart
    desc = re.search(r"<desc[^>]*>(.*)</desc>", chart).group(1)
    assert "Keep today&#39;s clinics costs 4.2m and delivers 35.3%" in desc
    assert "Not beaten on both value and cost: Digital, Hub &lt;&amp;&gt; spoke." in desc
    assert "Unknown cost" not in chart  # no cost, no point
    # Keep and Hub sit close together: their labels are moved apart, not drawn on each other.
    labels = [
        (float(x), float(y))
        for x, y in re.findall(r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="(?:start|end)" '
                               r'fill="#1b1f24">(?:Keep|Hub)', chart)
    ]  # fmt: skip
    assert len(labels) == 2 and abs(labels[0][1] - labels[1][1]) >= 15
    assert cost_value_chart({"A": 0.5, "B": 0.5}, {"A": 1.0}, ["A"]) is None
