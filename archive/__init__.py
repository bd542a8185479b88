"""The project's quality archive (GB/T 50328 groups), assembled from every app's queries: it
stands above the domain apps and below the site."""
