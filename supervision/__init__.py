"""The housing department: region dashboards, double-random supervision draws, quality credit,
first-responsibility complaints and webhooks. It reads the apps below it through their queries and
hears of their changes by Django signals; no lower app imports it."""
